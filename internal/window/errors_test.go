package window

import "testing"

func TestFieldErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *FieldError
		want string
	}{
		{"names_field_then_value", &FieldError{"start", "25:00", "is not a time of day"}, `start: "25:00" is not a time of day`},
		{"without_field_is_value_only", &FieldError{"", "fri day", "is not a weekday"}, `"fri day" is not a weekday`},
		{"quotes_control_characters", &FieldError{"days[0]", "mon\n", "is not a weekday"}, `days[0]: "mon\n" is not a weekday`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %s, want %s", got, tt.want)
			}
		})
	}
}
