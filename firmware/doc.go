// Package firmware is phoneprov's firmware store: images kept by content
// (sha256) in the data folder, a target version per model, and serving to
// phones with Range, ETag and a cap on concurrent downloads.
//
// Layout of Config.Dir:
//
//	index.json          entries and targets, rewritten atomically (temp file,
//	                    fsync, rename, fsync of the folder)
//	blobs/<sha256 hex>  one file per distinct image; the same bytes added for
//	                    several models or versions are stored once
//
// index.json is the source of truth. Open repairs the folder after a crash:
// it removes stray temp files, drops entries whose blob is missing or has the
// wrong size (with a warning), drops targets that name a dropped entry, and
// deletes blobs no entry references. Blob contents are not re-hashed at Open.
//
// An entry is keyed by (model, version). The model is stored as given; the
// caller canonicalises it through the templates catalog first. The file name
// is what the phone asks for, which for some vendors does not change between
// versions (Poly "3111-46162-001.sip.ld"): ByFilename resolves such a request
// to the model's target version when it carries that name, else to the
// highest version carrying it (see CompareVersions).
package firmware
