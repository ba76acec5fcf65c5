// zlib, for reading gzipped data sets (gzread reads uncompressed files through unchanged).
#include <zlib.h>
