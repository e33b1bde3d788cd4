// Command zengshou is the 增收 service and its tools. main only turns arguments into a
// subcommand and signals into a context; each subcommand lives in its own file and registers
// itself in init.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: `zengshou NAME args…`.
type command struct {
	name  string
	usage string // one line, Chinese and English
	run   func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// exitError carries an exit code with a message already printed (or to print).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintln(w, "增收 Zengshou：按《关于促进脱贫人口持续增收若干措施》计算台账、提醒和汇总 / computes ledgers, reminds and summarises")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "用法 / usage: zengshou <命令 command> [参数 args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "命令 / commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].usage)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "每个命令的参数 / a command's flags: zengshou <命令 command> --help")
	fmt.Fprintln(w, "配置文件 / config file: --config FILE，或环境变量 / or env ZENGSHOU_CONFIG；都没有时用默认值 / else the defaults")
}

// newFlagSet is a subcommand's flag set: errors and --help print its usage line and flags in
// Chinese and English (flags written --name, as the README does; -name works too).
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "用法 / usage: zengshou %s %s\n", name, commands[name].usage)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			return
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "参数 / flags:")
		fs.VisitAll(func(f *flag.Flag) {
			arg, text := flag.UnquoteUsage(f)
			head := "  --" + f.Name
			if len(f.Name) == 1 {
				head = "  -" + f.Name // -o, as the README writes it
			}
			if arg != "" {
				head += " " + arg
			}
			fmt.Fprintln(w, head)
			if d := f.DefValue; d != "" && d != "0" && d != "false" {
				text += fmt.Sprintf("（默认 default: %s）", d)
			}
			fmt.Fprintf(w, "        %s\n", text)
		})
	}
	return fs
}

// usageError is what a subcommand returns when its flags do not parse: nil after --help (its
// usage was printed: a success), else exit code 2 with the parser's message.
func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return &exitError{code: 2, msg: err.Error()}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		usage(os.Stderr)
		os.Exit(2)
	}
	if isHelp(args[0]) {
		if len(args) < 2 || commands[args[1]].run == nil {
			usage(os.Stdout)
			return
		}
		args = []string{args[1], "--help"} // zengshou help serve
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "未知命令 / unknown command %q\n\n", args[0])
		usage(os.Stderr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := c.run(ctx, args[1:])
	stop()
	if err != nil {
		code := 1
		if e, ok := err.(*exitError); ok {
			code = e.code
		}
		if err.Error() != "" {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(code)
	}
}
