# RUN: %PYTHON %s
#
# mp-gradcheck's exit status: 2 when the check cannot run (bad options, a
# missing or unparsable file, no forward function), 1 when a gradient is out
# of tolerance (forced here with a zero relative tolerance and a tiny
# absolute one, so that the failure report is exercised), 0 on success.

import os
import shutil
import subprocess
import sys
import tempfile

from mpt.ir import Builder  # lit puts python/ on PYTHONPATH

tool = shutil.which("mp-gradcheck")
assert tool, "mp-gradcheck is not on PATH"
tmp = tempfile.mkdtemp()


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(*args):
    p = subprocess.run([tool] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def expect(code, needle, *args):
    rc, out, err = run(*args)
    assert rc == code, "%r: exit %d, expected %d\n%s%s" % (args, rc, code, out, err)
    assert needle in out + err, "%r: %r not in\n%s%s" % (args, needle, out, err)


b = Builder("tiny")
x = b.input((2, 6))
b.cross_entropy(b.fc(x, "fc", 3))
good = write("good.mlir", b.to_mlir())

expect(0, "PASS: @tiny: 2 weights, 11 elements, 0 out of tolerance", good)
expect(0, "PASS: @tiny", good, "--function", "tiny", "--samples", "0")
expect(1, "worst elements:", good, "--rtol", "0", "--atol", "1e-12")
expect(1, "FAIL: @tiny: 2 weights", good, "--rtol", "0", "--atol", "1e-12")

expect(2, "--eps must be in (0, 0.5]", good, "--eps", "0")
expect(2, "--eps must be in (0, 0.5]", good, "--eps", "nan")
expect(2, "--rtol and --atol", good, "--rtol", "-1")
expect(2, "--rtol and --atol", good, "--rtol", "0", "--atol", "0")
expect(2, "--input-scale and --weight-scale", good, "--weight-scale", "0")
expect(2, "--opt-level must be 0, 1, 2 or 3", good, "--opt-level", "9")
expect(2, "bad factor in --inject-fault=mp.relu_grad:nan (a finite number)",
       good, "--inject-fault", "mp.relu_grad:nan")
expect(2, "--inject-fault: no op 'mp.nothing'", good, "--inject-fault",
       "mp.nothing")
expect(2, "Unknown command line argument", good, "--no-such-option")
expect(2, "for the --samples option", good, "--samples", "many")
expect(2, "No such file", os.path.join(tmp, "missing.mlir"))
expect(2, "cannot parse", write("bad.mlir", "module { this is not mlir }\n"))
expect(2, "no function named 'other'", good, "--function", "other")
expect(2, "mp-build-training-step failed", write("noloss.mlir", """
module {
  func.func @id(%x: tensor<2xf32> {mp.role = #mp.role<weight>}) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}
"""))
shutil.rmtree(tmp)
print("ok")
