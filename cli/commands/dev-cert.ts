/** `dms dev-cert`: a self-signed CA and a replica certificate for wss:// in development. */
import type { Command } from 'commander'
import { makeDevCertificates } from '../../src/security/dev-certificates.js'
import { loadConfigForCli } from '../cli-config.js'
import { printResult } from '../cli-output.js'

export function registerDevCertCommand(program: Command): void {
  program
    .command('dev-cert')
    .description("make a development CA and a replica certificate for every host of the config (needs the openssl command); not for production")
    .option('--config <file>', 'cluster config whose replica hosts the certificate must name', 'cluster-configs/local.json')
    .option('--out <dir>', 'where to write ca.pem, replica.pem and replica-key.pem', './certs')
    .option('--days <n>', 'validity in days', '365')
    .option('--json', 'print one JSON document')
    .action(async (options: { config: string; out: string; days: string; json?: boolean }) => {
      const days = Number(options.days)
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new Error(`--days: expected a whole number of days 1-3650, got "${options.days}"`)
      const config = await loadConfigForCli(options.config)
      const hosts = config.offices.flatMap((office) => office.replicas.map((replica) => replica.host))
      const files = await makeDevCertificates(options.out, hosts, days)
      const tls = { certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile }
      printResult(options.json === true, { ...files, hosts: [...new Set(hosts)] }, () =>
        `wrote a development CA and replica certificate to ${options.out}; put this in the config's "security":\n  "tls": ${JSON.stringify(tls)}`,
      )
    })
}
