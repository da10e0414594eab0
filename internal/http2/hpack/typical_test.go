package hpack

// typicalRequest is a browser's request header list.
var typicalRequest = []HeaderField{
	{Name: ":method", Value: "GET"},
	{Name: ":scheme", Value: "https"},
	{Name: ":authority", Value: "www.example.com"},
	{Name: ":path", Value: "/static/app.js"},
	{Name: "user-agent", Value: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
	{Name: "accept", Value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
	{Name: "accept-language", Value: "en-US,en;q=0.5"},
	{Name: "accept-encoding", Value: "gzip, deflate, br, zstd"},
	{Name: "referer", Value: "https://www.example.com/"},
	{Name: "cookie", Value: "session=0123456789abcdef0123456789abcdef; theme=dark"},
	{Name: "sec-fetch-dest", Value: "script"},
	{Name: "sec-fetch-mode", Value: "no-cors"},
	{Name: "sec-fetch-site", Value: "same-origin"},
	{Name: "priority", Value: "u=2"},
}

// typicalResponse is a server's response header list.
var typicalResponse = []HeaderField{
	{Name: ":status", Value: "200"},
	{Name: "content-type", Value: "text/javascript; charset=utf-8"},
	{Name: "content-length", Value: "48213"},
	{Name: "date", Value: "Wed, 02 Dec 2026 02:30:00 GMT"},
	{Name: "cache-control", Value: "public, max-age=3600"},
	{Name: "etag", Value: "\"5f1c-63a7b2c1\""},
	{Name: "server", Value: "httpserver"},
}
