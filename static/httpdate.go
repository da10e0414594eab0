package static

import "time"

// timeFormat is the IMF-fixdate format of HTTP dates (RFC 9110 §5.6.7).
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// httpDateLayouts are the three formats a recipient must accept (RFC 9110
// §5.6.7): IMF-fixdate, the obsolete RFC 850 format, and asctime.
var httpDateLayouts = [...]string{
	timeFormat,
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
}

// parseHTTPDate parses an HTTP-date; ok is false for anything else.
func parseHTTPDate(s string) (t time.Time, ok bool) {
	for _, layout := range httpDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formatHTTPDate formats t as an IMF-fixdate.
func formatHTTPDate(t time.Time) string { return t.UTC().Format(timeFormat) }
