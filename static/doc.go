// Package static serves files from a directory or any [fs.FS] over
// httpserver: content types, validators and conditional requests (RFC 9110
// §8.8, §13), byte ranges (RFC 9110 §14), precompressed siblings
// (.br/.zst/.gz), directory index and listing, and zero-copy sendfile for
// plain file bodies. No request can read outside the root, whatever its
// encoding. Dotfiles are hidden by default, links to them included, except
// /.well-known/ (see [Options].ShowDotfiles and HideWellKnown).
//
// An open-file cache, on by default, keeps the metadata of the files
// served and the content of small ones, so that serving them again costs no
// system call; a file changed on disk can be served as it was for up to
// [CacheOptions].Validity (1 s by default). See [CacheOptions].
//
// Serving a directory:
//
//	h, err := static.Dir("./public", &static.Options{CacheControl: "public, max-age=3600"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	srv := &httpserver.Server{Addr: ":8080", Handler: h}
//	log.Fatal(srv.ListenAndServe())
//
// Serving an embedded tree:
//
//	//go:embed assets
//	var assets embed.FS
//
//	sub, _ := fs.Sub(assets, "assets")
//	h := static.Handler(sub, nil)
//
// The handler serves r.Path, relative to the root. To mount it below a
// prefix, strip the prefix from Path (and RawPath) before calling it.
package static
