package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzValidate feeds bodies to what the server does with a submission: CheckJSON, then
// validation against every shipped service (found in the registry, so a new schema file
// joins by itself). Nothing may panic; an accepted body must mean the same to
// encoding/json; every violation points at a field ("" or "/..."); the same body always
// gives the same answer; and the messages of the answer can be built.
//
// `go test ./schemas/` runs the seeds only. Fuzz for real (`make fuzz`) with
//
//	go test -run '^$' -fuzz FuzzValidate -fuzztime 3m -fuzzminimizetime 10s ./schemas/
//
// The short minimizing time matters: minimizing a new input grown from the 256 KiB seed
// takes the default minute, while nothing else is fuzzed.
func FuzzValidate(f *testing.F) {
	reg, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	services := reg.Services()
	if len(services) == 0 {
		f.Fatal("no services")
	}
	for _, seed := range fuzzSeeds(services) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkErr := CheckJSON(data)
		if checkErr != nil {
			var je *JSONError
			if !errors.As(checkErr, &je) || !errors.Is(checkErr, ErrInvalidJSON) {
				t.Fatalf("CheckJSON error %v is not a *JSONError wrapping ErrInvalidJSON", checkErr)
			}
			if !jsonErrorCodes[je.Code] {
				t.Fatalf("CheckJSON error code %q is not one of the documented codes", je.Code)
			}
			if je.Offset < 0 || je.Offset > len(data) {
				t.Fatalf("CheckJSON error offset %d outside the %d-byte body", je.Offset, len(data))
			}
		}
		valid := json.Valid(data)
		if !valid && checkErr == nil {
			t.Fatalf("CheckJSON accepts what encoding/json calls invalid JSON")
		}
		if valid {
			// A second, independent reading of the rules, through encoding/json's tokens.
			if why := strictProblem(data); (why == "") != (checkErr == nil) {
				t.Fatalf("CheckJSON says %v, the reference reading says %q", checkErr, why)
			}
		}
		if checkErr != nil {
			// Refused: no service may accept it either.
			for _, s := range services {
				if vs, err := s.ValidateJSON(data); !errors.Is(err, ErrInvalidJSON) || vs != nil {
					t.Fatalf("%s: ValidateJSON of a refused body = %v, %v", s.ID, vs, err)
				}
			}
			return
		}
		var decoded any
		if err := json.Unmarshal(data, &decoded); err != nil {
			t.Fatalf("CheckJSON accepts what encoding/json cannot decode: %v", err)
		}
		for _, s := range relevant(services, decoded) {
			first, err := s.ValidateJSON(data)
			if err != nil {
				// ErrValidatorFailed here means CheckJSON let through a body that still
				// breaks gojsonschema (the server answers 400, but it is a hole).
				t.Fatalf("%s: ValidateJSON of an accepted body: %v", s.ID, err)
			}
			for i, v := range first {
				if v.Pointer != "" && !strings.HasPrefix(v.Pointer, "/") {
					t.Fatalf("%s: violation %d has pointer %q", s.ID, i, v.Pointer)
				}
				if v.Code == "" {
					t.Fatalf("%s: violation %d at %q has no code", s.ID, i, v.Pointer)
				}
			}
			again, err := s.ValidateJSON(data)
			if err != nil || !reflect.DeepEqual(first, again) {
				t.Fatalf("%s: a second validation differs:\n%+v\n%+v (%v)", s.ID, first, again, err)
			}
			viaCtx, err := s.ValidateJSONContext(context.Background(), data)
			if err != nil || !reflect.DeepEqual(first, viaCtx) {
				t.Fatalf("%s: ValidateJSONContext differs:\n%+v\n%+v (%v)", s.ID, first, viaCtx, err)
			}
			// The client checks a field alone where it can: it must say what the whole
			// document's validation says of that field.
			agreeAt(t, s, decoded, "the input")
			// The answer's messages, as the API builds them (the first 100 of them).
			for i, v := range first {
				if i == 100 {
					break
				}
				for _, lang := range []string{"fi", "sv", "en"} {
					if m := s.Message(lang, v); m == "" {
						t.Fatalf("%s: no %s message for %+v", s.ID, lang, v)
					}
					_ = s.ItemLabel(lang, v.Pointer)
				}
			}
		}
	})
}

// relevant are the services a document is checked against: those whose form has one
// of its top-level answers, else (an object of no form's answers, or not an object)
// the first. Checking every document against every service grew with the square of
// the catalog; a document of one form tells nothing new of sixty others.
func relevant(services []*Service, doc any) []*Service {
	m, ok := doc.(map[string]any)
	var out []*Service
	for _, s := range services {
		for k := range m {
			if s.Form.Property(k) != nil {
				out = append(out, s)
				break
			}
		}
	}
	if len(out) == 0 || !ok {
		return services[:1]
	}
	return out
}

var jsonErrorCodes = map[string]bool{
	"syntax": true, "utf8": true, "duplicateKey": true, "numberRange": true, "numberPrecision": true, "depth": true, "tooManyValues": true,
}

// strictProblem reads a document that json.Valid accepts with encoding/json's tokenizer
// and says which of CheckJSON's rules it breaks, "" for none. It is written from the
// rules, not from CheckJSON's code.
func strictProblem(data []byte) string {
	if !utf8.Valid(data) {
		return "utf8"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	values := 0
	problem := ""
	note := func(p string) {
		if problem == "" {
			problem = p
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "syntax: " + err.Error()
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].key {
			k, ok := tok.(string)
			if !ok { // the object's '}'
				stack = stack[:n-1]
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].key = true
				}
				continue
			}
			if stack[n-1].keys[k] {
				note("duplicateKey " + strconv.Quote(k))
			}
			stack[n-1].keys[k] = true
			stack[n-1].key = false
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == ']' || d == '}') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].key = true
			}
			continue
		}
		values++
		if values > MaxValues {
			note("tooManyValues")
		}
		switch t := tok.(type) {
		case json.Delim:
			stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, key: t == '{'})
			if len(stack) > MaxDepth {
				note("depth")
			}
			continue
		case json.Number:
			if !numberFits(string(t)) {
				note("numberRange " + string(t))
			}
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].key = true
		}
	}
	return problem
}

// numberFits says whether a float64 holds a JSON number: at most MaxNumberLen characters,
// at most MaxDigits significant digits, finite, not a non-zero number that rounds to
// zero, and |exponent| at most 400.
func numberFits(lit string) bool {
	if len(lit) > MaxNumberLen {
		return false
	}
	mantissa, exp := lit, "0"
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		mantissa, exp = lit[:i], lit[i+1:]
	}
	if digits := strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(mantissa), "0"); len(digits) > MaxDigits {
		return false
	}
	e, ok := new(big.Int).SetString(strings.TrimPrefix(exp, "+"), 10)
	if !ok || e.CmpAbs(big.NewInt(400)) > 0 {
		return false
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return false
	}
	return f != 0 || strings.Trim(mantissa, "-0.") == ""
}

// fuzzSeeds are the bodies the fuzzer starts from: hostile ones at and past every limit,
// valid forms, and a sample document built from each service's form.
func fuzzSeeds(services []*Service) [][]byte {
	var seeds []string
	add := func(s ...string) { seeds = append(seeds, s...) }

	// Small documents of every kind.
	add(`{}`, `[]`, `null`, `true`, `0`, `-0`, `1E+2`, `"x"`, ` {"a": [1, -2.5e3, "x", true, false, null, {}], "b": "\u00e4\n"} `,
		`{"a/b~c":1}`, `{"":1}`, `[{"a":1},{"a":1}]`, `{"owner":{}}`, `{"guardians":[]}`, `{"guardians":[null]}`)

	// Numbers at and past the edge of float64.
	add(`{"preferredUnits":[1e400]}`, `[1e999999]`, `[0e999999]`, `[1e-400]`, `[2e-324]`, `[3e-324]`,
		`[1.7976931348623157e308, 5e-324, -0, 0.0, 1E+2]`, `[1.7976931348623159e308]`, `[1e0000000000000000001]`,
		`[`+strings.Repeat("1", MaxNumberLen)+`]`, `[`+strings.Repeat("1", MaxNumberLen+1)+`]`,
		`{"owner":{"email":1e308}}`, `{"preferredUnits":[1e308,1e308]}`, `{"preferredUnits":[1,1.0,1e0]}`,
		`{"care":{"careHoursPerWeek":1.00000000000000000001}}`, `{"care":{"careHoursPerWeek":60.000000000000001}}`,
		`{"care":{"careHoursPerWeek":-1e308}}`, `{"care":{"careHoursPerWeek":5e-324}}`)

	// Duplicate keys, near and far.
	add(`{"a":"<b>x</b>","a":"ok"}`, `{"a":1,"\u0061":2}`, `{"\ud800":1,"\ufffd":2}`, `{"a":{"b":1,"b":1}}`,
		`{"owner":{"email":"a@example.fi"},"owner":{"email":"<script>"}}`)
	manyKeys := &strings.Builder{}
	manyKeys.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(manyKeys, `"k%d":1,`, i)
	}
	add(manyKeys.String()+`"k7":2}`, manyKeys.String()+`"k":2}`)

	// Invalid UTF-8 and NUL, in values and keys.
	add("[\"\xff\"]", "{\"\xc3\":1}", "[\"\xc0\xaf\"]", "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"a\xe2\x82\"]",
		"{\"owner\":{\"firstName\":\"Tess\xe4\"}}", "[\"a\x00b\"]", "\xef\xbb\xbf{}",
		`{"a\u0000b":1}`, `{"owner":{"a\u0000b":1}}`, `{"guardians":[{"a\u0000b":1}]}`, `{"dog":{"name":"\u0000"}}`,
		`{"a\u0000(root)":{"b":1}}`, `["\ud800"]`, `["\udc00\ud800"]`)

	// Deep nesting, at the limit and one past it, bare and inside a form.
	add(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth),
		strings.Repeat("[", MaxDepth+1)+strings.Repeat("]", MaxDepth+1),
		strings.Repeat(`{"a":`, MaxDepth)+"1"+strings.Repeat("}", MaxDepth),
		`{"child":`+strings.Repeat(`{"child":`, MaxDepth-2)+"{}"+strings.Repeat("}", MaxDepth-1),
		`{"guardians":[`+strings.Repeat("[", MaxDepth-2)+strings.Repeat("]", MaxDepth-2)+`]}`)

	// Value counts at the limit and past it, and a 256 KiB body. Bodies that pass the
	// check and fail validation thousands of times cost a second each to fuzz with, and
	// BenchmarkHostileBodies (server) measures them; here they are a hundred items long.
	add("["+strings.Repeat("1,", MaxValues-2)+"1]", "["+strings.Repeat("1,", MaxValues-1)+"1]",
		"["+strings.Repeat("1,", 128<<10-1)+"1]",
		`{"preferredUnits":[`+strings.Repeat("1e308,", 99)+`1e308]}`,
		`{"preferredUnits":[`+strings.Repeat(`"vallila",`, 99)+`"vallila"]}`,
		`{"guardians":[`+strings.Repeat(`{},`, 49)+`{}]}`,
		`{"guardians":[`+strings.Repeat(`{"x":1},`, 49)+`{"x":1}]}`,
		`{"dog":{"name":"`+strings.Repeat("a", 16<<10)+`"}}`)

	// Valid forms, then one sample per service built from its form model.
	add(`{"owner": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "postOffice": "Helsinki", "email": "tessa@example.fi"},
  "dog": {"name": "Musti", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01",
  "microchipNumber": "246098100123456"}}`,
		`{"child": {"firstName": "Aino", "lastName": "Virtanen", "personalIdentityCode": "010516B903X",
  "birthDate": "2016-05-01", "streetAddress": "Mannerheimintie 1", "postalCode": "00100", "postOffice": "Helsinki",
  "nativeLanguage": "suomi"},
  "guardians": [{"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "phone": "040 123 4567", "email": "tessa@example.fi", "employmentStatus": "working"}],
  "care": {"startDate": "2027-08-01", "careNeed": "full-day", "serviceLanguage": "fi"},
  "preferredUnits": ["kalasatama", "vallila"], "confirmation": {"informationCorrect": true}}`,
		`{"applicant": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "email": "tessa@example.fi", "phone": "+358 40 123 4567"},
  "address": {"streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "city": "Helsinki"},
  "vehicle": {"registrationNumber": "ABC-123", "ownership": "leasing", "leasingCompanyBusinessId": "0112038-9"},
  "permit": {"zone": "A", "duration": "12", "startDate": "2027-01-01"}}`)
	for _, s := range services {
		b, err := json.Marshal(sampleValue(s.Form))
		if err != nil {
			panic(err)
		}
		add(string(b))
	}

	out := make([][]byte, len(seeds))
	for i, s := range seeds {
		out[i] = []byte(s)
	}
	return out
}
