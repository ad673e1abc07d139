/* The engine's scalar. The library is built with float; the core is compiled a second time with
 * -DSCAR_REAL=double so that every op's backward can be checked against finite differences in
 * double precision (tests/core/*_f64.c). Code in core/ uses `real` and the type-generic maths of
 * <tgmath.h>, so one source serves both. Layers above core/ use float. */
#ifndef SCAR_CORE_REAL_H
#define SCAR_CORE_REAL_H

#ifndef SCAR_REAL
#define SCAR_REAL float
#endif
typedef SCAR_REAL real;

#define SCAR_REAL_IS_DOUBLE (sizeof(real) == sizeof(double))

#endif
