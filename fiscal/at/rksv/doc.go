// Package rksv holds the byte-exact encodings of the Austrian
// Registrierkassensicherheitsverordnung (RKSV), suite R1, that every AT
// receipt of fiscald is built from: the amount format and the payload of the
// machine-readable code, the AES-256-ICM turnover counter, the chain value,
// the JWS compact form with its QR, OCR and failed-device variants, the DEP7
// export and the crypto-material container handed to auditors.
//
// The package is pure: it performs no I/O of its own (the DEP writer writes
// to the io.Writer it is given), keeps no state between calls, and never
// signs. The register logic (numbering, counter state, failed mode) lives in
// the AT market package, which calls these primitives; keeping them here lets
// the encodings be proven bit for bit against the official vectors and demo
// receipts in isolation (spec/rksv.md §1–§3, §5.1, §6, §10.4).
//
// Encoders (AppendTo, AppendSigningInput, EncryptCounter) sit on the receipt
// path and avoid allocations; decoders (ParsePayload, SplitJWS,
// DecryptCounter, QRFromOCR, JWSFromQR) are strict: they accept exactly the
// canonical encodings the encoders produce, so that a decode followed by an
// encode reproduces the input byte for byte.
package rksv
