
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'otsctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'otsctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'otsctl' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Encrypt a secret and print a link that reveals it once')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Reveal a secret: print it on stdout, or write it to a file with -o')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a secret''s views left, expiry and tries left, without consuming it')
            [CompletionResult]::new('burn', 'burn', [CompletionResultType]::ParameterValue, 'Destroy a secret now')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script on stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'otsctl;send' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the link works, e.g. 30s, 10m, 1h, 7d [default: the server''s]')
            [CompletionResult]::new('--views', '--views', [CompletionResultType]::ParameterName, 'How many times the secret can be revealed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The otsd server''s base URL')
            [CompletionResult]::new('--media-type', '--media-type', [CompletionResultType]::ParameterName, 'A media type to store (encrypted) with the secret, e.g. application/json')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of this file')
            [CompletionResult]::new('--passphrase-env', '--passphrase-env', [CompletionResultType]::ParameterName, 'Read the passphrase from this environment variable')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object {link, expires_at, views} on stdout')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Also protect the secret with a passphrase, asked on the terminal (twice)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'otsctl;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the secret to this file (created 0600, written atomically)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the secret to this file (created 0600, written atomically)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of this file')
            [CompletionResult]::new('--passphrase-env', '--passphrase-env', [CompletionResultType]::ParameterName, 'Read the passphrase from this environment variable')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the -o file if it exists')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'otsctl;status' {
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of this file')
            [CompletionResult]::new('--passphrase-env', '--passphrase-env', [CompletionResultType]::ParameterName, 'Read the passphrase from this environment variable')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object {views_left, expires_at, tries_left}')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'otsctl;burn' {
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Read the passphrase from the first line of this file')
            [CompletionResult]::new('--passphrase-env', '--passphrase-env', [CompletionResultType]::ParameterName, 'Read the passphrase from this environment variable')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'otsctl;completions' {
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print no notes on stderr (errors and warnings are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'otsctl;help' {
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Encrypt a secret and print a link that reveals it once')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Reveal a secret: print it on stdout, or write it to a file with -o')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a secret''s views left, expiry and tries left, without consuming it')
            [CompletionResult]::new('burn', 'burn', [CompletionResultType]::ParameterValue, 'Destroy a secret now')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script on stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'otsctl;help;send' {
            break
        }
        'otsctl;help;get' {
            break
        }
        'otsctl;help;status' {
            break
        }
        'otsctl;help;burn' {
            break
        }
        'otsctl;help;completions' {
            break
        }
        'otsctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
