# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_otsctl_global_optspecs
    string join \n q/quiet h/help V/version
end

function __fish_otsctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_otsctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_otsctl_using_subcommand
    set -l cmd (__fish_otsctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c otsctl -n "__fish_otsctl_needs_command" -s q -l quiet -d 'Print no notes on stderr (errors and warnings are still printed)'
complete -c otsctl -n "__fish_otsctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c otsctl -n "__fish_otsctl_needs_command" -s V -l version -d 'Print version'
complete -c otsctl -n "__fish_otsctl_needs_command" -f -a "send" -d 'Encrypt a secret and print a link that reveals it once'
complete -c otsctl -n "__fish_otsctl_needs_command" -f -a "get" -d 'Reveal a secret: print it on stdout, or write it to a file with -o'
complete -c otsctl -n "__fish_otsctl_needs_command" -f -a "status" -d 'Show a secret\'s views left, expiry and tries left, without consuming it'
complete -c otsctl -n "__fish_otsctl_needs_command" -f -a "burn" -d 'Destroy a secret now'
complete -c otsctl -n "__fish_otsctl_needs_command" -f -a "completions" -d 'Print a shell completion script on stdout'
complete -c otsctl -n "__fish_otsctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l ttl -d 'How long the link works, e.g. 30s, 10m, 1h, 7d [default: the server\'s]' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l views -d 'How many times the secret can be revealed' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l server -d 'The otsd server\'s base URL' -r -f
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l media-type -d 'A media type to store (encrypted) with the secret, e.g. application/json' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l passphrase-file -d 'Read the passphrase from the first line of this file' -r -F
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l passphrase-env -d 'Read the passphrase from this environment variable' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l json -d 'Print one JSON object {link, expires_at, views} on stdout'
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -l passphrase -d 'Also protect the secret with a passphrase, asked on the terminal (twice)'
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -s q -l quiet -d 'Print no notes on stderr (errors and warnings are still printed)'
complete -c otsctl -n "__fish_otsctl_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c otsctl -n "__fish_otsctl_using_subcommand get" -s o -l output -d 'Write the secret to this file (created 0600, written atomically)' -r -F
complete -c otsctl -n "__fish_otsctl_using_subcommand get" -l passphrase-file -d 'Read the passphrase from the first line of this file' -r -F
complete -c otsctl -n "__fish_otsctl_using_subcommand get" -l passphrase-env -d 'Read the passphrase from this environment variable' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand get" -l force -d 'Replace the -o file if it exists'
complete -c otsctl -n "__fish_otsctl_using_subcommand get" -s q -l quiet -d 'Print no notes on stderr (errors and warnings are still printed)'
complete -c otsctl -n "__fish_otsctl_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c otsctl -n "__fish_otsctl_using_subcommand status" -l passphrase-file -d 'Read the passphrase from the first line of this file' -r -F
complete -c otsctl -n "__fish_otsctl_using_subcommand status" -l passphrase-env -d 'Read the passphrase from this environment variable' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand status" -l json -d 'Print one JSON object {views_left, expires_at, tries_left}'
complete -c otsctl -n "__fish_otsctl_using_subcommand status" -s q -l quiet -d 'Print no notes on stderr (errors and warnings are still printed)'
complete -c otsctl -n "__fish_otsctl_using_subcommand status" -s h -l help -d 'Print help'
complete -c otsctl -n "__fish_otsctl_using_subcommand burn" -l passphrase-file -d 'Read the passphrase from the first line of this file' -r -F
complete -c otsctl -n "__fish_otsctl_using_subcommand burn" -l passphrase-env -d 'Read the passphrase from this environment variable' -r
complete -c otsctl -n "__fish_otsctl_using_subcommand burn" -s q -l quiet -d 'Print no notes on stderr (errors and warnings are still printed)'
complete -c otsctl -n "__fish_otsctl_using_subcommand burn" -s h -l help -d 'Print help'
complete -c otsctl -n "__fish_otsctl_using_subcommand completions" -s q -l quiet -d 'Print no notes on stderr (errors and warnings are still printed)'
complete -c otsctl -n "__fish_otsctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c otsctl -n "__fish_otsctl_using_subcommand help; and not __fish_seen_subcommand_from send get status burn completions help" -f -a "send" -d 'Encrypt a secret and print a link that reveals it once'
complete -c otsctl -n "__fish_otsctl_using_subcommand help; and not __fish_seen_subcommand_from send get status burn completions help" -f -a "get" -d 'Reveal a secret: print it on stdout, or write it to a file with -o'
complete -c otsctl -n "__fish_otsctl_using_subcommand help; and not __fish_seen_subcommand_from send get status burn completions help" -f -a "status" -d 'Show a secret\'s views left, expiry and tries left, without consuming it'
complete -c otsctl -n "__fish_otsctl_using_subcommand help; and not __fish_seen_subcommand_from send get status burn completions help" -f -a "burn" -d 'Destroy a secret now'
complete -c otsctl -n "__fish_otsctl_using_subcommand help; and not __fish_seen_subcommand_from send get status burn completions help" -f -a "completions" -d 'Print a shell completion script on stdout'
complete -c otsctl -n "__fish_otsctl_using_subcommand help; and not __fish_seen_subcommand_from send get status burn completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
