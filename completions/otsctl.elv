
use builtin;
use str;

set edit:completion:arg-completer[otsctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'otsctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'otsctl'= {
            cand -q 'Print no notes on stderr (errors and warnings are still printed)'
            cand --quiet 'Print no notes on stderr (errors and warnings are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand send 'Encrypt a secret and print a link that reveals it once'
            cand get 'Reveal a secret: print it on stdout, or write it to a file with -o'
            cand status 'Show a secret''s views left, expiry and tries left, without consuming it'
            cand burn 'Destroy a secret now'
            cand completions 'Print a shell completion script on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'otsctl;send'= {
            cand --ttl 'How long the link works, e.g. 30s, 10m, 1h, 7d [default: the server''s]'
            cand --views 'How many times the secret can be revealed'
            cand --server 'The otsd server''s base URL'
            cand --media-type 'A media type to store (encrypted) with the secret, e.g. application/json'
            cand --passphrase-file 'Read the passphrase from the first line of this file'
            cand --passphrase-env 'Read the passphrase from this environment variable'
            cand --json 'Print one JSON object {link, expires_at, views} on stdout'
            cand --passphrase 'Also protect the secret with a passphrase, asked on the terminal (twice)'
            cand -q 'Print no notes on stderr (errors and warnings are still printed)'
            cand --quiet 'Print no notes on stderr (errors and warnings are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'otsctl;get'= {
            cand -o 'Write the secret to this file (created 0600, written atomically)'
            cand --output 'Write the secret to this file (created 0600, written atomically)'
            cand --passphrase-file 'Read the passphrase from the first line of this file'
            cand --passphrase-env 'Read the passphrase from this environment variable'
            cand --force 'Replace the -o file if it exists'
            cand -q 'Print no notes on stderr (errors and warnings are still printed)'
            cand --quiet 'Print no notes on stderr (errors and warnings are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'otsctl;status'= {
            cand --passphrase-file 'Read the passphrase from the first line of this file'
            cand --passphrase-env 'Read the passphrase from this environment variable'
            cand --json 'Print one JSON object {views_left, expires_at, tries_left}'
            cand -q 'Print no notes on stderr (errors and warnings are still printed)'
            cand --quiet 'Print no notes on stderr (errors and warnings are still printed)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'otsctl;burn'= {
            cand --passphrase-file 'Read the passphrase from the first line of this file'
            cand --passphrase-env 'Read the passphrase from this environment variable'
            cand -q 'Print no notes on stderr (errors and warnings are still printed)'
            cand --quiet 'Print no notes on stderr (errors and warnings are still printed)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'otsctl;completions'= {
            cand -q 'Print no notes on stderr (errors and warnings are still printed)'
            cand --quiet 'Print no notes on stderr (errors and warnings are still printed)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'otsctl;help'= {
            cand send 'Encrypt a secret and print a link that reveals it once'
            cand get 'Reveal a secret: print it on stdout, or write it to a file with -o'
            cand status 'Show a secret''s views left, expiry and tries left, without consuming it'
            cand burn 'Destroy a secret now'
            cand completions 'Print a shell completion script on stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'otsctl;help;send'= {
        }
        &'otsctl;help;get'= {
        }
        &'otsctl;help;status'= {
        }
        &'otsctl;help;burn'= {
        }
        &'otsctl;help;completions'= {
        }
        &'otsctl;help;help'= {
        }
    ]
    $completions[$command]
}
