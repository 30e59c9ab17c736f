# raftsim.bash: bash completion for the raftsim command.
# Installed as share/bash-completion/completions/raftsim.
# Completes the subcommands (read from `raftsim --help`, so the list has one
# source), their long options (from `raftsim COMMAND --help`), and scenario
# files (*.scn) and directories for run, check, validate and shrink, and
# the values of --color.

_raftsim()
{
    local cur cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    local commands
    commands=$("${COMP_WORDS[0]}" --help 2>/dev/null |
        sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help --version -h -V' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands help" -- "$cur"))
        fi
        return
    fi
    if [[ $cmd == help ]]; then
        ((i == COMP_CWORD - 1)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi
    case ${COMP_WORDS[COMP_CWORD - 1]} in
        --junit)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
    esac
    if [[ $cur == --color=* ]]; then
        COMPREPLY=($(compgen -P --color= -W 'auto always never' -- "${cur#--color=}"))
        return
    fi
    if [[ $cur == -* ]]; then
        local opts
        opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
            grep -o -- '--[a-z][a-z-]*' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $cmd in
        run | check | validate | shrink)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.scn' -- "$cur"))
            ;;
        *)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
            ;;
    esac
}
complete -F _raftsim raftsim
