/* The engine's scalar. The library is built with float; the core is compiled a second time with
 * -DSCAR_F64 so that every op's backward can be checked against finite differences in double
 * precision (tests/core/test_*_f64.c files). Code in core/ uses `real` and the type-generic maths of
 * <tgmath.h>, so one source serves both. Layers above core/ use float. */
#ifndef SCAR_CORE_REAL_H
#define SCAR_CORE_REAL_H

#ifdef SCAR_F64
typedef double real;
#else
typedef float real;
#endif

#endif
