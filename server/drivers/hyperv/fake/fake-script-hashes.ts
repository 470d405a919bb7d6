/**
 * The script texts the fake host's answers (fake-scripts.ts) were written for: SHA-256 of each
 * repository .ps1 body. Change a script, then its fake answer, then its line here.
 */
import type { ScriptName } from '../hyperv-scripts';

export const FAKE_SCRIPT_SHA256: Record<ScriptName, string> = {
  'dismount-array-copy': '3433d5b0a61c4429293165d7b9ac72e0bd00a53242b4fe848980c36c999c61f4',
  'mount-array-copy': '585f2379b5f6f3cb28dd8e7e24484a158cf60deead2f02801645feee571c054a',
  'copy-files': 'c857106c7ece7f84a680482ea932579c12e87d26046330a4c5a0e59c29939489',
  'change-tracking': 'daaa647c937d0e9625b34f70799a16a5714c27ebf5b43890c137a7a602ce04ca',
  'cluster-facts': '92ac61f4935e06bd42cea360fba08d45eb11af329b1e1be8edb18a3c66e5b1ed',
  'file-hashes': 'c0a27bbdedef9847b845827b2b13c97ae4caf5ad71c8fb0016433e6b30cb5735',
  'flush-volume': '58c7c7e8ecf3cc08a1a5d33ca9fd5d52a0a22e53fbb2441283d4cf6149a09d7f',
  'get-checkpoint': '8816f0feedd62bf06dc847b113c007c38e806d9d309312bf905fd2433c764df8',
  'guest-facts': 'cd2427423534273716ae5ee09508a994ebe7367e6d95c290fedb49db3b219388',
  'host-facts': '9a02085dca0601c2544feb2dc334bbefafd8a957a8862da70a170e38e3c38dab',
  'list-vms': '8a4166952d6836d0e89ae8d8887a0ef9b20914443fd9db46383183de948e8f99',
  'new-checkpoint': '7c2b303e03397b9006146c81b68b39a872353649dd19620ecc366aedd6a1664c',
  'new-vm-from-disks': '1128ee82415058ce823165e9f09739d24e218b19f0d785b69a4d2cce78875256',
  'prepare-folder': 'a7dd48da27f878a145df862019630ee695a5fd72ce902aa8e2b1701acc726963',
  'prepare-in-place': 'c9a8d5c1f4450048d7c406d6dce14af62dfb4f77308eabd64fd0ef17f834a114',
  'remove-checkpoint': '783161d3931d9181fbdaef88e69daf62be60a231b71ff85fec1f5c009188da5a',
  'remove-folder': '14b15ea6aac2e441af3efc200d3b8bcf4daa1a4c0c371f19363e8825783935f2',
  'restore-checkpoint': '43ba8fd5baff3a4f43b53410ef4381b935c49dec72effbbda8a5de63a47da97b',
  'run-guest-script': 'a90e4adf4c9672ab3323a6d43fd07c77ab7a0a8723682cc0772fbd23e370cce7',
  'save-vm': 'd27cb35285d0b442d2cd8e6bfc7e2d642a4a06107bc96dfb91e4f80b27b0b58b',
  'start-vm': '6a2b3703df6a8584cde07c7b46444edc14d2ebdb8357c0a7276d1059dc86d81f',
  'vm-state': '071ad094d8ba415c981fe381eabf6fb7e31951c066e93bbeba991716c922b1dd',
  'wsb-backup': 'a9b93e2199433f62847b733ea9111ed62e971f329c2142c54bd21ae2eccdd021',
  'wsb-recover': '4cdd53824672f68b703f9a6188b4a0f8e96b34769b377c4247066582b29e7075',
  'wsb-versions': '2085f8fcccaf539716d294b72f4751adbeeb80b68bd286f991dff25000798e67',
};
