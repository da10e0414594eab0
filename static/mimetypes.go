package static

import (
	"path"
	"strings"
)

// builtinTypes maps lower-case extensions to media types. It is fixed so
// that responses do not depend on the host's /etc/mime.types; text types
// carry charset=utf-8 (RFC 9110 §8.3.1, RFC 6657).
var builtinTypes = map[string]string{
	// text
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8", // RFC 9239
	".mjs":         "text/javascript; charset=utf-8",
	".cjs":         "text/javascript; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".map":         "application/json; charset=utf-8",
	".jsonld":      "application/ld+json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".text":        "text/plain; charset=utf-8",
	".log":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8", // RFC 7763
	".markdown":    "text/markdown; charset=utf-8",
	".csv":         "text/csv; charset=utf-8",
	".tsv":         "text/tab-separated-values; charset=utf-8",
	".xml":         "text/xml; charset=utf-8",
	".xhtml":       "application/xhtml+xml; charset=utf-8",
	".rss":         "application/rss+xml; charset=utf-8",
	".atom":        "application/atom+xml; charset=utf-8",
	".svg":         "image/svg+xml; charset=utf-8",
	".yaml":        "application/yaml; charset=utf-8", // RFC 9512
	".yml":         "application/yaml; charset=utf-8",
	".toml":        "application/toml; charset=utf-8",
	".ics":         "text/calendar; charset=utf-8",
	".vtt":         "text/vtt; charset=utf-8",
	// images
	".png":  "image/png",
	".apng": "image/apng",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".ico":  "image/vnd.microsoft.icon",
	".bmp":  "image/bmp",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	// fonts (RFC 8081)
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".otf":   "font/otf",
	// audio and video
	".mp3":  "audio/mpeg",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/wav",
	".flac": "audio/flac",
	".m4a":  "audio/mp4",
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
	// applications and archives
	".wasm": "application/wasm",
	".pdf":  "application/pdf",
	".zip":  "application/zip",
	".gz":   "application/gzip",
	".tgz":  "application/gzip",
	".br":   "application/octet-stream",
	".zst":  "application/zstd",
	".tar":  "application/x-tar",
	".xz":   "application/x-xz",
	".7z":   "application/x-7z-compressed",
	".bin":  "application/octet-stream",
	".exe":  "application/octet-stream",
	".iso":  "application/octet-stream",
}

// typeByExtension returns the media type for name's extension, looking in
// the user's table first, or "" when the extension is unknown.
func typeByExtension(name string, user map[string]string) string {
	ext := path.Ext(name)
	if ext == "" {
		return ""
	}
	ext = strings.ToLower(ext)
	if t, ok := user[ext]; ok {
		return t
	}
	return builtinTypes[ext]
}
