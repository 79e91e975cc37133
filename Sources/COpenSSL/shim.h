#ifndef TAPSTATION_COPENSSL_SHIM_H
#define TAPSTATION_COPENSSL_SHIM_H

/* Target the OpenSSL 3.0 API and hide the deprecated 1.x APIs (EC_KEY_*, HMAC_CTX_*,
   SHA256_Init, ...) so that they cannot be used by accident. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#endif
