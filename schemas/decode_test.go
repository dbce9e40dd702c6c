package schemas

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

func TestCheckJSON(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	tooDeep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	many := "[" + strings.Repeat("1,", MaxValues-2) + "1]"
	tooMany := "[" + strings.Repeat("1,", MaxValues-1) + "1]"
	manyKeys := "{"
	for i := range 40 {
		manyKeys += `"k` + strings.Repeat("x", i) + `":1,`
	}
	for _, c := range []struct {
		name, in, code string
	}{
		{"object", `{"a": [1, -2.5e3, "x", true, false, null, {}], "b": "\u00e4\n"}`, ""},
		{"number at the edge of float64", `[1.79769313486231e308, 5e-324, -0, 0.0, 1E+2]`, ""},
		{"deep within the limit", deep, ""},
		{"values within the limit", many, ""},
		{"empty", ``, "syntax"},
		{"two values", `{} {}`, "syntax"},
		{"trailing comma", `[1,]`, "syntax"},
		{"bare word", `{"a": nope}`, "syntax"},
		{"leading zero", `[01]`, "syntax"},
		{"control character in a string", "[\"a\x01\"]", "syntax"},
		{"bad escape", `["\x"]`, "syntax"},
		{"invalid UTF-8", "[\"\xff\"]", "utf8"},
		{"duplicate key", `{"a":"<b>x</b>","a":"ok"}`, "duplicateKey"},
		{"duplicate key, escaped", `{"a":1,"\u0061":2}`, "duplicateKey"},
		{"duplicate key in a large object", manyKeys + `"k":2}`, "duplicateKey"},
		{"nested duplicate", `{"a":{"b":1,"b":1}}`, "duplicateKey"},
		{"same key in two objects", `[{"a":1},{"a":1}]`, ""},
		{"overflow", `{"preferredUnits":[1e400]}`, "numberRange"},
		{"absurd exponent", `[1e999999]`, "numberRange"},
		{"exponent with leading zeros", `[1e0000000000000000001]`, ""},
		{"zero with an absurd exponent", `[0e999999]`, "numberRange"},
		{"underflow", `[1e-400]`, "numberRange"},
		{"long number", `[1` + strings.Repeat("0", MaxNumberLen) + `]`, "numberRange"},
		{"more digits than float64 keeps", `[1.00000000000000000001]`, "numberPrecision"},
		{"a big integer float64 rounds", `[18446744073709551600]`, "numberPrecision"},
		{"15 digits", `[123456789012.345, 0.000123456789012345, 100000000000000000000]`, ""},
		{"too deep", tooDeep, "depth"},
		{"too many values", tooMany, "tooManyValues"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckJSON([]byte(c.in))
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var je *JSONError
			if !errors.As(err, &je) || je.Code != c.code {
				t.Fatalf("err = %v, want code %s", err, c.code)
			}
			if !errors.Is(err, ErrInvalidJSON) {
				t.Errorf("%v does not wrap ErrInvalidJSON", err)
			}
		})
	}
}

func TestDecodeJSONRefusesWrongShape(t *testing.T) {
	var v struct{ N int }
	if err := DecodeJSON([]byte(`{"N": "x"}`), &v); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("err = %v", err)
	}
	if err := DecodeJSON([]byte(`{"N": 3}`), &v); err != nil || v.N != 3 {
		t.Errorf("N = %d, err = %v", v.N, err)
	}
}

// The daycare form's unit preferences are a uniqueItems array: gojsonschema v1.2.0
// dereferences nil on a number outside float64 there. The check refuses such numbers
// first, and a panic that still happens is an error, not a crash.
func TestValidatorPanicIsAnError(t *testing.T) {
	s := service(t, "early-childhood-education")
	doc := []byte(`{"preferredUnits":[1e400]}`)
	if _, err := s.ValidateJSON(doc); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("ValidateJSON: err = %v, want ErrInvalidJSON", err)
	}
	if _, err := s.run(gojsonschema.NewBytesLoader(doc)); !errors.Is(err, ErrValidatorFailed) {
		t.Errorf("unchecked document: err = %v, want ErrValidatorFailed (is the gojsonschema bug fixed?)", err)
	}
}

// A body full of numbers at the edge of float64 costs little to check and to validate.
func TestEdgeNumbersAreCheap(t *testing.T) {
	s := service(t, "early-childhood-education")
	body := []byte(`{"preferredUnits":[` + strings.Repeat("1e308,", MaxValues-3) + `1e308]}`)
	start := time.Now()
	if _, err := s.ValidateJSON(body); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d numbers checked and validated in %v", MaxValues-2, time.Since(start))
}

// service is a shipped service by id; the test fails if it does not load.
func service(t testing.TB, id string) *Service {
	t.Helper()
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s := r.Service(id)
	if s == nil {
		t.Fatalf("no service %q", id)
	}
	return s
}
