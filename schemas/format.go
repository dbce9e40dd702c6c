package schemas

import (
	"strconv"
	"strings"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

// Formats are the custom `format` names a schema may use besides draft-07's own.
var customFormats = map[string]gojsonschema.FormatChecker{
	"fi-personal-identity-code": checker(ValidPersonalIdentityCode),
	"fi-business-id":            checker(ValidBusinessID),
	"fi-postal-code":            checker(ValidPostalCode),
	"fi-phone":                  checker(ValidPhone),
}

// knownFormats are the formats a schema may name; gojsonschema lets an unknown one pass
// silently, so Load refuses them.
var knownFormats = map[string]bool{"email": true, "date": true}

func init() {
	// FormatCheckers is global in gojsonschema: register once, before any validation.
	for name, c := range customFormats {
		gojsonschema.FormatCheckers.Add(name, c)
		knownFormats[name] = true
	}
}

type checker func(string) bool

// IsFormat checks strings only: other types are the `type` keyword's business.
func (c checker) IsFormat(input any) bool {
	s, ok := input.(string)
	if !ok {
		return true
	}
	return c(s)
}

const checkChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// ValidPersonalIdentityCode checks a Finnish personal identity code DDMMYYCZZZQ: a real
// date, a century sign of either generation (the extra letters exist since 2023), an
// individual number 002–999 (900–999 are temporary and test codes) and the check character.
func ValidPersonalIdentityCode(s string) bool {
	if len(s) != 11 {
		return false
	}
	var century int
	switch c := s[6]; {
	case c == '+':
		century = 1800
	case strings.IndexByte("-YXWVU", c) >= 0:
		century = 1900
	case strings.IndexByte("ABCDEF", c) >= 0:
		century = 2000
	default:
		return false
	}
	digits := s[:6] + s[7:10]
	n, err := strconv.Atoi(digits)
	if err != nil || strings.ContainsAny(digits, "+-") {
		return false
	}
	day, month, year := n/10000000, n/100000%100, century+n/1000%100
	date := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if date.Day() != day || int(date.Month()) != month || date.Year() != year {
		return false
	}
	if n%1000 < 2 {
		return false
	}
	return s[10] == checkChars[n%31]
}

// ValidBusinessID checks a Finnish Business ID NNNNNNN-C and its check digit.
func ValidBusinessID(s string) bool {
	if len(s) != 9 || s[7] != '-' {
		return false
	}
	weights := [7]int{7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		d := s[i]
		if d < '0' || d > '9' {
			return false
		}
		sum += int(d-'0') * w
	}
	c := s[8]
	if c < '0' || c > '9' {
		return false
	}
	switch r := sum % 11; r {
	case 0:
		return c == '0'
	case 1:
		return false
	default:
		return int(c-'0') == 11-r
	}
}

// ValidPostalCode checks a Finnish postal code: five digits.
func ValidPostalCode(s string) bool { return runOf(s, 5, '0', '9') }

// runOf reports whether s is n bytes, each from lo to hi.
func runOf(s string, n int, lo, hi byte) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < lo || s[i] > hi {
			return false
		}
	}
	return true
}

// ValidPhone checks a Finnish phone number (leading 0, 6–12 digits) or an international
// one in E.164 form (+, 7–15 digits). Spaces and hyphens between digits are allowed
// because that is how people write numbers.
func ValidPhone(s string) bool {
	s = strings.TrimSpace(s)
	international := strings.HasPrefix(s, "+")
	if international {
		s = s[1:]
	}
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n++
		case c == ' ' || c == '-':
			if i == 0 || i == len(s)-1 {
				return false
			}
		default:
			return false
		}
	}
	if international {
		return n >= 7 && n <= 15 && s[0] != '0'
	}
	return n >= 6 && n <= 12 && s[0] == '0'
}
