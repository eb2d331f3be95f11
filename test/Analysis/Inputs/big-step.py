"""Prints a step whose 257 + 2 values of 2^48 elements each (each allowed)
hold more than 2^56 elements in all."""
n = 1 << 48
t = "tensor<%dxf32>" % n
lines = ["func.func @big(%%y0: %s {mp.role = #mp.role<input>}, "
         "%%m: %s {mp.role = #mp.role<momentum>}, "
         "%%lr: tensor<f32> {mp.role = #mp.role<learning_rate>}) -> (%s, %s) {"
         % (t, t, t, t)]
for i in range(257):
    lines.append("  %%y%d = mp.relu %%y%d : %s" % (i + 1, i, t))
lines.append("  %%p, %%q = mp.sgd %%y0, %%y257, %%m, %%lr momentum 9.0e-01 "
             "weight_decay 0.0 : (%s, %s, %s, tensor<f32>) -> (%s, %s)"
             % (t, t, t, t, t))
lines.append("  return %%p, %%q : %s, %s" % (t, t))
lines.append("}")
print("\n".join(lines))
