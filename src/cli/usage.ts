/** The CLI's help text. */
export const USAGE = `Usage: isns-dissector <command> [options] <capture>...

Commands:
  portals   discovered-portal records and IPsec triage findings (the main job)
  logons    one logon story per initiator and portal: discovery, IKE, ESP, TCP, iSCSI Login
  packets   per-PDU iSNS dissection (text tree, JSON, or tshark-compatible -e fields)
  check     compare portal records with a baseline, for CI
  annotate  the captures back as pcapng, a packet comment on every frame a finding names

Captures: pcap (either byte order, µs or ns), pcapng, either gzip-compressed; "-" reads stdin.

Every command:
  -o, --output <file>                write the output there (directories created)
  -q, --quiet                        no progress, no summary lines (errors only)
  --no-progress                      no progress line on a terminal
  -v, --version                      print the version
  -h, --help                         this text

portals options:
  --format table|json|ndjson|csv     output format (default table)
  --default-security-bitmap <n>      bitmap for portals iSNS gave none (decimal or 0x hex)
  --port <n>                         another TCP/UDP port to dissect as iSNS (repeatable)
  --portal <addr>[:<port>]           only these portals (repeatable; IPv6 as [addr]:port)
  --severity error|warning|info      only findings at or above, and the portals that have one
  --code <CODE>                      only findings of these codes (repeatable or comma-separated)

logons options:
  --format table|json|ndjson|csv     output format (default table)
  --default-security-bitmap <n>      bitmap for portals iSNS gave none (decimal or 0x hex)
  --port <n>                         another TCP/UDP port to dissect as iSNS (repeatable)
  --iscsi-port <n>                   another TCP port to dissect as iSCSI (repeatable; 3260 and
                                     every discovered portal's port always are)
  --portal, --severity, --code       only these portals' records / findings (as for portals)

packets options:
  --format text|json                 output format (default text)
  --protocol <p>                     text/json: PDUs of isns (default), iscsi, isakmp, udpencap, esp (repeatable)
  -e <field>                         tshark-compatible field output (repeatable): isns.*, iscsi.*, isakmp.*,
                                     esp.*, udpencap.* and frame.number
  --full                             decode past Wireshark's limits (multi-PDU messages, auth blocks)
  --port <n>, --iscsi-port <n>

check options:
  --baseline <file.json>             the saved \`portals --format json\` to compare with (required)
  --update                           write the baseline instead of comparing (refused after a partial read)
  --allow-partial                    with --update: write it even when an input could not be read to its end
  --fail-on error|warning|info|never new findings at or above this fail the check (default error)
  --fail-on-known                    also fail on findings the baseline already has
  --junit <file>                     write a JUnit XML report
  --annotations                      print GitHub workflow annotations (default when GITHUB_ACTIONS=true)
  --default-security-bitmap <n>, --port <n>

annotate options:
  -o <out.pcapng>                    the annotated capture (required)
  --portal, --severity, --code       comment only the findings these keep
  --default-security-bitmap <n>, --port <n>

Exit status: 0 inputs read (check: equal and no new finding at --fail-on); 1 an input could not be read
(check: differences or failing findings); 2 usage error.
`;
