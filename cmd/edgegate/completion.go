package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

const completionSynopsis = `Usage: edgegate completion bash|zsh|fish

Prints a shell completion script for edgegate's commands, their flags, the
values of -o/--output and --fail-on, and file and directory names for PATH
arguments and file flags. Load it with:

  bash:  source <(edgegate completion bash)     # or save it to
         ~/.local/share/bash-completion/completions/edgegate
  zsh:   edgegate completion zsh > "${fpath[1]}/_edgegate"   # then compinit
  fish:  edgegate completion fish > ~/.config/fish/completions/edgegate.fish`

// argKind is what a command's positional arguments are, for completion.
type argKind int

const (
	argPaths    argKind = iota // files and directories
	argRefPaths                // oci://HOST/REPO:TAG, then files and directories
	argNone                    // no arguments
	argCommand                 // a command name (help)
	argShell                   // a shell name (completion)
)

// command is one of edgegate's commands, as the usage lists it.
type command struct {
	name, summary string
	args          argKind
}

// commandList is every command, in the usage's order: what 'edgegate help
// COMMAND' knows and what completion offers.
var commandList = []command{
	{"render", "render intents; print the objects to apply", argPaths},
	{"lock", "record host bindings in the HostBindings lock", argPaths},
	{"check", "run the policy gate alone over any manifests", argPaths},
	{"explain", "say where a request goes and why, from the render", argPaths},
	{"push", "render, check, push the output as a Flux OCI artifact", argRefPaths},
	{"flux-wiring", "print the Flux OCIRepository and Kustomizations for it", argRefPaths},
	{"pin", "pin IngressGateway proxy images to their digests", argPaths},
	{"fn", "run as a KRM function (ResourceList on stdin)", argNone},
	{"argocd", "the Argo CD plugin's commands: discover, generate", argNone},
	{"version", "print the version", argNone},
	{"completion", "print a shell completion script (bash, zsh or fish)", argShell},
	{"help", "print the help of a command", argCommand},
}

// shells are the shells 'edgegate completion' writes scripts for.
var shells = []string{"bash", "zsh", "fish"}

// Flag annotations saying how a flag's value completes, set where the flag
// is declared so completion never drifts from the flags.
const (
	completeValues = "edgegate_complete_values" // one of the listed words
	completeFiles  = "edgegate_complete_files"  // a file name
)

// flagValues marks fs's flag name as taking one of values.
func flagValues(fs *pflag.FlagSet, name string, values ...string) {
	_ = fs.SetAnnotation(name, completeValues, values)
}

// flagFile marks fs's flag name as taking a file name.
func flagFile(fs *pflag.FlagSet, name string) {
	_ = fs.SetAnnotation(name, completeFiles, []string{"true"})
}

func runCompletion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("completion", completionSynopsis)
	if code, done := parseFlags(fs, args, stdout, stderr); done {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(stderr, fs, "name one shell: bash, zsh or fish")
	}
	cmds := completionCommands()
	switch fs.Arg(0) {
	case "bash":
		writeBash(stdout, cmds)
	case "zsh":
		writeZsh(stdout, cmds)
	case "fish":
		writeFish(stdout, cmds)
	default:
		return usageError(stderr, fs, "unknown shell %q: bash, zsh or fish", fs.Arg(0))
	}
	return 0
}

// completedCommand is a command with the flags it declares.
type completedCommand struct {
	command
	flags []*pflag.Flag
}

// completionCommands are the commands with their flags. Each command
// declares its flags in its run function, which stops at --help before it
// does anything else: running it so is how completion reads them.
func completionCommands() []completedCommand {
	out := make([]completedCommand, 0, len(commandList))
	for _, c := range commandList {
		cc := completedCommand{command: c}
		if c.name != "help" && c.name != "version" {
			run([]string{c.name, "--help"}, strings.NewReader(""), io.Discard, io.Discard)
			if fs := declared[c.name]; fs != nil {
				fs.VisitAll(func(f *pflag.Flag) {
					if !f.Hidden {
						cc.flags = append(cc.flags, f)
					}
				})
			}
		}
		if c.args != argCommand && c.name != "version" {
			cc.flags = append(cc.flags, &pflag.Flag{Name: "help", Shorthand: "h", Usage: "print the command's help", NoOptDefVal: "true"})
		}
		sort.Slice(cc.flags, func(i, j int) bool { return cc.flags[i].Name < cc.flags[j].Name })
		out = append(out, cc)
	}
	return out
}

// takesValue reports whether a flag needs a value (every flag but the
// booleans).
func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

func names(cmds []completedCommand) []string {
	var ns []string
	for _, c := range cmds {
		ns = append(ns, c.name)
	}
	return ns
}

func writeBash(w io.Writer, cmds []completedCommand) {
	var b strings.Builder
	b.WriteString(`# bash completion for edgegate: source <(edgegate completion bash)
# Generated by 'edgegate completion bash' from edgegate's own flags.

# Directories and YAML files (what edgegate reads from a directory).
# One candidate a line, so names with spaces stay whole.
_edgegate_paths() {
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -d -- "$1"; compgen -f -X '!*.yaml' -- "$1"; compgen -f -X '!*.yml' -- "$1")
}

_edgegate_words() {
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# _edgegate_args FLAGS: how many arguments come before the current word,
# not counting the command, flags, and the values of FLAGS (those that take one).
_edgegate_args() {
    local i n=0
    for ((i = 2; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
        -* | =) ;;
        *) [[ " $1 " == *" ${COMP_WORDS[i-1]} "* ]] || n=$((n + 1)) ;;
        esac
    done
    echo "$n"
}

_edgegate() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev=""
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then prev="${COMP_WORDS[COMP_CWORD-1]}"; fi
    # --flag=value: bash splits the word at "=" (COMP_WORDBREAKS).
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
        prev="${COMP_WORDS[COMP_CWORD-2]}"
    fi
    if ((COMP_CWORD <= 1)); then
`)
	fmt.Fprintf(&b, "        _edgegate_words %q \"$cur\"\n", strings.Join(append(names(cmds), "--help", "--version"), " "))
	b.WriteString(`        return
    fi
    case "${COMP_WORDS[1]}" in
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s)\n", c.name)
		// The value of the flag before the cursor.
		var plain, valued []string
		var values strings.Builder
		for _, f := range c.flags {
			if !takesValue(f) {
				continue
			}
			pattern := "--" + f.Name
			valued = append(valued, "--"+f.Name)
			if f.Shorthand != "" {
				pattern = "-" + f.Shorthand + " | " + pattern
				valued = append(valued, "-"+f.Shorthand)
			}
			switch {
			case f.Annotations[completeValues] != nil:
				fmt.Fprintf(&values, "        %s) _edgegate_words %q \"$cur\"; return ;;\n", pattern, strings.Join(f.Annotations[completeValues], " "))
			case f.Annotations[completeFiles] != nil:
				fmt.Fprintf(&values, "        %s) _edgegate_paths \"$cur\"; return ;;\n", pattern)
			default:
				plain = append(plain, pattern)
			}
		}
		if len(plain) > 0 {
			fmt.Fprintf(&values, "        %s) return ;;\n", strings.Join(plain, " | "))
		}
		if values.Len() > 0 {
			b.WriteString("        case \"$prev\" in\n" + values.String() + "        esac\n")
		}
		var flagWords []string
		for _, f := range c.flags {
			flagWords = append(flagWords, "--"+f.Name)
			if f.Shorthand != "" {
				flagWords = append(flagWords, "-"+f.Shorthand)
			}
		}
		if len(flagWords) > 0 {
			fmt.Fprintf(&b, "        if [[ $cur == -* ]]; then _edgegate_words %q \"$cur\"; return; fi\n", strings.Join(flagWords, " "))
		}
		args := fmt.Sprintf("$(_edgegate_args %q)", strings.Join(valued, " "))
		switch c.args {
		case argPaths:
			b.WriteString("        _edgegate_paths \"$cur\"\n")
		case argRefPaths:
			fmt.Fprintf(&b, "        if ((%s > 0)); then _edgegate_paths \"$cur\"; fi\n", args)
		case argCommand:
			fmt.Fprintf(&b, "        if ((%s == 0)); then _edgegate_words %q \"$cur\"; fi\n", args, strings.Join(names(cmds), " "))
		case argShell:
			fmt.Fprintf(&b, "        if ((%s == 0)); then _edgegate_words %q \"$cur\"; fi\n", args, strings.Join(shells, " "))
		}
		b.WriteString("        ;;\n")
	}
	b.WriteString(`    esac
}

complete -F _edgegate edgegate
`)
	io.WriteString(w, b.String())
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// zshQuote escapes s for a description inside a single-quoted _arguments
// spec or _describe entry.
func zshQuote(s string) string {
	return strings.NewReplacer("'", `'\''`, "[", `\[`, "]", `\]`, ":", `\:`).Replace(s)
}

func writeZsh(w io.Writer, cmds []completedCommand) {
	var b strings.Builder
	b.WriteString(`#compdef edgegate
# zsh completion for edgegate: edgegate completion zsh > "${fpath[1]}/_edgegate"
# Generated by 'edgegate completion zsh' from edgegate's own flags.

_edgegate() {
    local curcontext="$curcontext" state line ret=1
    typeset -A opt_args
    _arguments -C \
        '(- 1 *)'{-h,--help}'[print the help]' \
        '(- 1 *)--version[print the version]' \
        '1: :->command' \
        '*:: :->args' && ret=0
    case $state in
    command)
        local -a commands
        commands=(
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "            '%s:%s'\n", c.name, zshQuote(c.summary))
	}
	b.WriteString(`        )
        _describe -t commands 'edgegate command' commands && ret=0
        ;;
    args)
        case $line[1] in
`)
	for _, c := range cmds {
		if len(c.flags) == 0 && c.args == argNone {
			fmt.Fprintf(&b, "        %s)\n            _message 'no more arguments'\n            ;;\n", c.name)
			continue
		}
		fmt.Fprintf(&b, "        %s)\n            _arguments -s -S", c.name)
		for _, f := range c.flags {
			action := ""
			if takesValue(f) {
				switch {
				case f.Annotations[completeValues] != nil:
					action = fmt.Sprintf(":%s:(%s)", f.Name, strings.Join(f.Annotations[completeValues], " "))
				case f.Annotations[completeFiles] != nil:
					action = ":file:_files"
				default:
					action = fmt.Sprintf(":%s: ", f.Name)
				}
			}
			desc := "[" + zshQuote(f.Usage) + "]"
			if f.Shorthand != "" {
				excl := fmt.Sprintf("(-%s --%s)", f.Shorthand, f.Name)
				short, long := "-"+f.Shorthand, "--"+f.Name
				if takesValue(f) {
					short, long = short+"+", long+"="
				}
				fmt.Fprintf(&b, " \\\n                '%s%s%s%s'", excl, short, desc, action)
				fmt.Fprintf(&b, " \\\n                '%s%s%s%s'", excl, long, desc, action)
				continue
			}
			long := "--" + f.Name
			if takesValue(f) {
				long += "="
			}
			fmt.Fprintf(&b, " \\\n                '%s%s%s'", long, desc, action)
		}
		switch c.args {
		case argPaths:
			b.WriteString(" \\\n                '*:path:_files'")
		case argRefPaths:
			b.WriteString(" \\\n                '1:artifact (oci\\://HOST/REPO\\:TAG): ' \\\n                '*:path:_files'")
		case argCommand:
			fmt.Fprintf(&b, " \\\n                '1:command:(%s)'", strings.Join(names(cmds), " "))
		case argShell:
			fmt.Fprintf(&b, " \\\n                '1:shell:(%s)'", strings.Join(shells, " "))
		}
		b.WriteString(" && ret=0\n            ;;\n")
	}
	b.WriteString(`        esac
        ;;
    esac
    return ret
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _edgegate "$@"
else
    compdef _edgegate edgegate
fi
`)
	io.WriteString(w, b.String())
}

// fishQuote quotes s as one single-quoted fish word.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

func writeFish(w io.Writer, cmds []completedCommand) {
	var b strings.Builder
	b.WriteString(`# fish completion for edgegate: edgegate completion fish > ~/.config/fish/completions/edgegate.fish
# Generated by 'edgegate completion fish' from edgegate's own flags.

complete -c edgegate -f
`)
	all := strings.Join(names(cmds), " ")
	fmt.Fprintf(&b, "complete -c edgegate -n 'not __fish_seen_subcommand_from %s' -s h -l help -d 'print the help'\n", all)
	fmt.Fprintf(&b, "complete -c edgegate -n 'not __fish_seen_subcommand_from %s' -l version -d 'print the version'\n", all)
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c edgegate -n 'not __fish_seen_subcommand_from %s' -a %s -d %s\n", all, c.name, fishQuote(c.summary))
	}
	for _, c := range cmds {
		cond := fmt.Sprintf("-n '__fish_seen_subcommand_from %s'", c.name)
		b.WriteString("\n")
		for _, f := range c.flags {
			spec := ""
			if f.Shorthand != "" {
				spec += " -s " + f.Shorthand
			}
			spec += " -l " + f.Name
			if takesValue(f) {
				switch {
				case f.Annotations[completeValues] != nil:
					spec += " -x -a " + fishQuote(strings.Join(f.Annotations[completeValues], " "))
				case f.Annotations[completeFiles] != nil:
					spec += " -r -F"
				default:
					spec += " -x"
				}
			}
			fmt.Fprintf(&b, "complete -c edgegate %s%s -d %s\n", cond, spec, fishQuote(f.Usage))
		}
		switch c.args {
		case argPaths:
			fmt.Fprintf(&b, "complete -c edgegate %s -F\n", cond)
		case argRefPaths:
			// The artifact first (nothing to offer), then paths.
			fmt.Fprintf(&b, "complete -c edgegate -n '__fish_seen_subcommand_from %s; and test (count (commandline -opc)) -gt 2' -F\n", c.name)
		case argCommand:
			fmt.Fprintf(&b, "complete -c edgegate %s -a %s\n", cond, fishQuote(all))
		case argShell:
			fmt.Fprintf(&b, "complete -c edgegate %s -a %s\n", cond, fishQuote(strings.Join(shells, " ")))
		}
	}
	io.WriteString(w, b.String())
}
