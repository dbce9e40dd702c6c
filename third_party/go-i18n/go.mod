module github.com/nicksnyder/go-i18n/v2

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/text v0.43.0
)
