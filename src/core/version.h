#ifndef SCAR_CORE_VERSION_H
#define SCAR_CORE_VERSION_H
#define SCAR_VERSION "0.1.0"
#endif
