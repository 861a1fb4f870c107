#pragma once

// FETCHPOOL_API marks the public symbols; everything else has hidden visibility.
#if defined(FETCHPOOL_STATIC)
#define FETCHPOOL_API
#elif defined(_WIN32)
#if defined(FETCHPOOL_BUILDING)
#define FETCHPOOL_API __declspec(dllexport)
#else
#define FETCHPOOL_API __declspec(dllimport)
#endif
#else
#define FETCHPOOL_API __attribute__((visibility("default")))
#endif
