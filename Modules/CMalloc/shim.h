// glibc's allocator settings (mallopt), for the command-line tool's start-up.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
