#ifndef TAPSTATION_COPENSSL_SHIM_H
#define TAPSTATION_COPENSSL_SHIM_H

/* Target the OpenSSL 3.0 API and hide the deprecated 1.x APIs (EC_KEY_*, HMAC_CTX_*,
   SHA256_Init, ...) so that they cannot be used by accident. */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#endif
