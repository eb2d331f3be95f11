/*===- asan-uninstrumented-llvm.h - ASan with an uninstrumented LLVM -----===*\
|*                                                                          *|
|* Licensed under the Apache License v2.0 with LLVM Exceptions.             *|
|* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception                  *|
|*                                                                          *|
\*===---------------------------------------------------------------------===*/
/* Force-included into every sanitized translation unit (MP_SANITIZE).
 *
 * LLVM's headers poison and unpoison memory by hand when they see ASan
 * (llvm/Support/Compiler.h: BumpPtrAllocator poisons a new slab and
 * unpoisons each allocation). Debian's libLLVM/libMLIR are not
 * instrumented, so a slab poisoned by inline code in a project file and
 * then handed out by uninstrumented code in libMLIR reads as
 * "use-after-poison" on every attribute string. Manual poisoning is only
 * sound when LLVM itself is instrumented: here it is turned off, and ASan
 * still checks every access of the project's own code. */
#ifndef MP_ASAN_UNINSTRUMENTED_LLVM_H
#define MP_ASAN_UNINSTRUMENTED_LLVM_H
#if defined(__has_include)
#if __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
#endif
#endif
#endif
