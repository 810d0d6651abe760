import {ProtocolCommand} from '../base/protocol-command.ts'

export default class Store extends ProtocolCommand {
  static override summary = 'Save a device secret read as JSON on stdin (Docker protocol).'
  static override description = `Run by "docker login": stdin is {"ServerURL","Username","Secret"}. A Secret starting with atcr_device_ is saved as that handle's account; anything else (an app password, a token) is not stored, and a note says how to log in.`
  static override examples = [
    `$ printf '{"ServerURL":"atcr.io","Username":"alice.bsky.social","Secret":"atcr_device_…"}' | <%= config.bin %> store`,
  ]
  protected readonly verb = 'store' as const
}
