# bash completion for systrace. Written by `systrace --completions bash`;
# install as /usr/share/bash-completion/completions/systrace, or source it.
_systrace() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} i
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --check) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --) ((i + 1 < COMP_CWORD)) && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            ((i + 1 == COMP_CWORD)) && mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            return ;;
        -g|-E|--log-format|-d|-f|-c|-p|-r|--fault-seed|--fault-syscalls|--allow-unsafe|--completions) ((i++)) ;;
        -*) ;;
        *) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        esac
    done
    case $prev in
        -E|-f) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        -d) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
        -g) mapfile -t COMPREPLY < <(compgen -c -- "$cur"); return ;;
        -p) mapfile -t COMPREPLY < <(compgen -W "$(cd /proc 2>/dev/null && printf '%s ' [0-9]*)" -- "$cur"); return ;;
        -c|-r|--fault-seed|--fault-syscalls) return ;;
        --log-format) mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur"); return ;;
        --allow-unsafe) mapfile -t COMPREPLY < <(compgen -W "listener handles mount terminal core io_uring kernel processes unknown" -- "$cur"); return ;;
        --completions) mapfile -t COMPREPLY < <(compgen -W "bash zsh" -- "$cur"); return ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "-A -a -t -g -K --backstop --kernel-opens -e -E --log-format --summary -d -f -U -u -i -c -p -r --fault-seed --fault-syscalls --allow-unsafe --check --fold --completions -V --version -h --help" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -c -- "$cur")
    fi
}
complete -o filenames -F _systrace systrace
