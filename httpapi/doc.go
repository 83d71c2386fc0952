// Package httpapi serves the POS System API v2 over HTTP with gin: routing,
// CashBox authentication and throttling, request limits, problem+json
// errors, the OpenAPI document, and /metrics. It is the only package that
// imports gin. Everything fiscal goes through a *fiscal.Service.
package httpapi
