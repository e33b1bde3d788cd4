// Package config owns every number an admin may change: one YAML file read with viper,
// environment overrides (prefix ZENGSHOU_), secrets from the environment or a file reference,
// defaults that work with no file at all, validation whose messages name the key, the value
// and what is wrong, and hot reload that keeps the last good config.
//
// The policy parameters (POLICY.md) live under `policy:` and are mapped onto calc.Policy in
// policy.go; the service sections are the plain structs below.
package config

import (
	"time"

	// The binary must load Asia/Shanghai on a bare machine without /usr/share/zoneinfo.
	_ "time/tzdata"

	"zengshou/calc"
	"zengshou/connectors/dingtalk"
	"zengshou/connectors/feishu"
	"zengshou/connectors/wecom"
)

// EnvPrefix is the prefix of every environment override: ZENGSHOU_HTTP_ADDR sets http.addr.
const EnvPrefix = "ZENGSHOU"

// EnvConfig names the config file when Load is given no path.
const EnvConfig = "ZENGSHOU_CONFIG"

// Config is the whole configuration.
type Config struct {
	// Policy is every policy parameter with its clause and dates (the `policy:` section).
	Policy *calc.Policy `mapstructure:"-" json:"policy"`

	DataDir   string          `mapstructure:"data_dir" json:"data_dir"`
	HTTP      HTTP            `mapstructure:"http" json:"http"`
	Limits    Limits          `mapstructure:"limits" json:"limits"`
	Ledger    Ledger          `mapstructure:"ledger" json:"ledger"`
	Workers   Workers         `mapstructure:"workers" json:"workers"`
	Reminders Reminders       `mapstructure:"reminders" json:"reminders"`
	Summaries Summaries       `mapstructure:"summaries" json:"summaries"`
	Retention Retention       `mapstructure:"retention" json:"retention"`
	Roster    Roster          `mapstructure:"roster" json:"-"` // names and phones: personal data
	Chats     Chats           `mapstructure:"chats" json:"chats"`
	Local     Local           `mapstructure:"local" json:"local"`
	Feishu    feishu.Config   `mapstructure:"feishu" json:"feishu"`
	WeCom     wecom.Config    `mapstructure:"wecom" json:"wecom"`
	DingTalk  dingtalk.Config `mapstructure:"dingtalk" json:"dingtalk"`
	Log       Log             `mapstructure:"log" json:"log"`

	// File is the config file this came from ("" when defaults and environment only).
	File string `mapstructure:"-" json:"file,omitempty"`
	// Warnings found while loading and validating (a secret written in the file, a digest
	// inside the quiet hours, …). They do not stop the service; an unknown key is an error.
	Warnings []string `mapstructure:"-" json:"warnings,omitempty"`

	loadWarnings []string // found while decoding; Validate adds them to its own
}

// HTTP is the HTTP server: platform callbacks and the spreadsheet plugin API.
type HTTP struct {
	Addr string `mapstructure:"addr" json:"addr"`
	// Tokens are the plugin API bearer tokens. Secret: ZENGSHOU_HTTP_TOKENS (comma separated)
	// or a file reference.
	Tokens      []string `mapstructure:"tokens" json:"-"`
	MaxUploadMB int      `mapstructure:"max_upload_mb" json:"max_upload_mb"`
	// MaxParallel is how many workbooks the plugin API parses at once (each in a child of up to
	// limits.parse_memory_mb); a request beyond it gets 503 with Retry-After.
	MaxParallel int `mapstructure:"max_parallel" json:"max_parallel"`
}

// Limits bound what an uploaded workbook may cost (DESIGN.md, Untrusted files).
type Limits struct {
	MaxFileMB     int           `mapstructure:"max_file_mb" json:"max_file_mb"`
	MaxUnzippedMB int           `mapstructure:"max_unzipped_mb" json:"max_unzipped_mb"`
	MaxZipEntries int           `mapstructure:"max_zip_entries" json:"max_zip_entries"`
	MaxCells      int           `mapstructure:"max_cells" json:"max_cells"`
	MaxRows       int           `mapstructure:"max_rows" json:"max_rows"`
	MaxCols       int           `mapstructure:"max_cols" json:"max_cols"`
	ParseTimeout  time.Duration `mapstructure:"parse_timeout" json:"parse_timeout"`
	ParseMemoryMB int           `mapstructure:"parse_memory_mb" json:"parse_memory_mb"`
	// LargeFileRows: above this many rows the result is a separate sheet keyed by 原表行号
	// instead of result columns beside the rows.
	LargeFileRows int `mapstructure:"large_file_rows" json:"large_file_rows"`
}

// Ledger tunes the workbook reader.
type Ledger struct {
	// Synonyms adds header synonyms per canonical field: {"household_size": ["家庭人口", "人口数"]}.
	Synonyms  map[string][]string `mapstructure:"synonyms" json:"synonyms,omitempty"`
	Templates []Template          `mapstructure:"templates" json:"templates,omitempty"`
	// SofficePath is the LibreOffice binary used to convert .xls/.et; "" disables conversion.
	SofficePath string `mapstructure:"soffice_path" json:"soffice_path"`
	// XLSXPassword opens password-protected workbooks. Secret: ZENGSHOU_LEDGER_PASSWORD.
	XLSXPassword string `mapstructure:"xlsx_password" json:"-"`
}

// Template is a per-template override of the header mapping.
type Template struct {
	Name string `mapstructure:"name" json:"name"`
	// Match is the header hash or the sheet name the template applies to.
	Match string `mapstructure:"match" json:"match"`
	// Fields maps a column header to a canonical field.
	Fields map[string]string `mapstructure:"fields" json:"fields"`
}

// Workers run the jobs.
type Workers struct {
	Count     int           `mapstructure:"count" json:"count"`
	RetryMax  int           `mapstructure:"retry_max" json:"retry_max"`
	RetryBase time.Duration `mapstructure:"retry_base" json:"retry_base"`
}

// Reminders schedule the cadres' digests.
type Reminders struct {
	Enabled        bool          `mapstructure:"enabled" json:"enabled"`
	DigestTime     string        `mapstructure:"digest_time" json:"digest_time"` // HH:MM
	RepeatInterval time.Duration `mapstructure:"repeat_interval" json:"repeat_interval"`
	QuietStart     string        `mapstructure:"quiet_start" json:"quiet_start"` // HH:MM
	QuietEnd       string        `mapstructure:"quiet_end" json:"quiet_end"`     // HH:MM
	// EscalateAfter: after this many reminders (counted at most once a calendar day per task) a
	// task goes to the leaders' summary.
	EscalateAfter int `mapstructure:"escalate_after" json:"escalate_after"`
	// WarnBefore: a task due within this long is marked in the digest as about to be reported.
	WarnBefore time.Duration `mapstructure:"warn_before" json:"warn_before"`
	// DigestMaxItems: at most this many tasks are listed in one digest's text; when there are
	// more, the text says how many are left out and the whole list is attached as a workbook.
	DigestMaxItems int `mapstructure:"digest_max_items" json:"digest_max_items"`
	// Holidays are days off; Workdays are weekend days worked instead (调休).
	Holidays []time.Time `mapstructure:"holidays" json:"holidays,omitempty"`
	Workdays []time.Time `mapstructure:"workdays" json:"workdays,omitempty"`
	Timezone string      `mapstructure:"timezone" json:"timezone"`
}

// Location returns the reminders' time zone (Asia/Shanghai when unset or invalid; validation
// reports an invalid one).
func (r Reminders) Location() *time.Location {
	name := r.Timezone
	if name == "" {
		name = defaultTimezone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc, _ = time.LoadLocation(defaultTimezone)
	}
	return loc
}

// ClockTime parses "HH:MM" (or "H:MM", as 9:30 is said) into hours and minutes.
func ClockTime(s string) (hour, minute int, ok bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || (len(s) != 5 && len(s) != 4) {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

// Summaries schedule the leaders' summaries.
type Summaries struct {
	// Weekly is "Mon 08:30" (weekday and time); "" turns the weekly summary off.
	Weekly    string `mapstructure:"weekly" json:"weekly"`
	Quarterly bool   `mapstructure:"quarterly" json:"quarterly"`
}

// WeeklyAt parses Weekly into a weekday and a time of day.
func (s Summaries) WeeklyAt() (day time.Weekday, hour, minute int, ok bool) {
	return parseWeekly(s.Weekly)
}

// Retention bounds how long the service keeps personal data it no longer needs.
type Retention struct {
	// FilesDays: the uploaded workbook and the result workbook of a job (DATA/jobs/<id>/) are
	// deleted this many days after the job ended (done or failed); 0 keeps them for ever. The
	// SQLite history (households, tasks, payments) is kept whatever this says.
	FilesDays int `mapstructure:"files_days" json:"files_days"`
}

// Roster is who is reminded and who gets summaries. Names and phones are personal data:
// never logged in clear.
type Roster struct {
	Cadres  []Cadre  `mapstructure:"cadres" json:"cadres"`
	Leaders []Leader `mapstructure:"leaders" json:"leaders"`
	Admins  []Admin  `mapstructure:"admins" json:"admins"`
}

// IDs maps a platform (feishu, wecom, dingtalk, local) to the person's user id there.
type IDs map[string]string

// Unit is an administrative unit; empty parts are "all of it".
type Unit struct {
	County   string `mapstructure:"county" json:"county,omitempty"`
	Township string `mapstructure:"township" json:"township,omitempty"`
	Village  string `mapstructure:"village" json:"village,omitempty"`
}

// Cadre is a 帮扶责任人 or 村干部: the units they answer for.
type Cadre struct {
	Name  string `mapstructure:"name" json:"name"`
	Phone string `mapstructure:"phone" json:"-"`
	IDs   IDs    `mapstructure:"ids" json:"ids"`
	Units []Unit `mapstructure:"units" json:"units"`
}

// Leader gets the summaries of a unit.
type Leader struct {
	Name string `mapstructure:"name" json:"name"`
	Unit Unit   `mapstructure:"unit" json:"unit"`
	IDs  IDs    `mapstructure:"ids" json:"ids"`
}

// Admin may run admin chat commands.
type Admin struct {
	Name string `mapstructure:"name" json:"name"`
	IDs  IDs    `mapstructure:"ids" json:"ids"`
}

// Chats limits where the bot answers.
type Chats struct {
	Allow   []string `mapstructure:"allow" json:"allow,omitempty"`     // chat ids; empty: all
	Tenants []string `mapstructure:"tenants" json:"tenants,omitempty"` // tenant/corp ids; empty: all
}

// Local is the local connector (a folder or the command line; for tests and offline use).
type Local struct {
	Enabled bool `mapstructure:"enabled" json:"enabled"`
}

// Log sets the logger.
type Log struct {
	Level  string `mapstructure:"level" json:"level"`   // trace, debug, info, warn, error
	Format string `mapstructure:"format" json:"format"` // auto (json when not a terminal), json, text
}

const defaultTimezone = "Asia/Shanghai"

// Platforms a roster id may name.
var Platforms = []string{"feishu", "wecom", "dingtalk", "local"}

// Defaults is the configuration with no file and no environment.
func Defaults() *Config {
	return &Config{
		Policy:  DefaultPolicy(),
		DataDir: "./data",
		HTTP:    HTTP{Addr: ":8080", MaxUploadMB: 50, MaxParallel: 2},
		Limits: Limits{MaxFileMB: 50, MaxUnzippedMB: 512, MaxZipEntries: 10000, MaxCells: 20_000_000,
			MaxRows: 1_100_000, MaxCols: 16384, ParseTimeout: 120 * time.Second, ParseMemoryMB: 1024,
			LargeFileRows: 5000},
		Workers: Workers{Count: 2, RetryMax: 5, RetryBase: 2 * time.Second},
		Reminders: Reminders{Enabled: true, DigestTime: "09:00", RepeatInterval: 72 * time.Hour,
			QuietStart: "21:00", QuietEnd: "08:00", EscalateAfter: 3, WarnBefore: 7 * 24 * time.Hour, DigestMaxItems: 30, Timezone: defaultTimezone},
		Summaries: Summaries{Weekly: "Mon 08:30", Quarterly: true},
		Retention: Retention{FilesDays: 180},
		Local:     Local{Enabled: true},
		// The connectors' own defaults, written out so that the example file and
		// `config check` show them.
		Feishu:   feishu.Config{Mode: "webhook", BaseURL: "https://open.feishu.cn", UserIDType: "open_id"},
		WeCom:    wecom.Config{BaseURL: "https://qyapi.weixin.qq.com", BotWSURL: "wss://openws.work.weixin.qq.com"},
		DingTalk: dingtalk.Config{Mode: dingtalk.ModeStream, BaseURL: "https://api.dingtalk.com", OapiURL: "https://oapi.dingtalk.com"},
		Log:      Log{Level: "info", Format: "auto"},
	}
}
