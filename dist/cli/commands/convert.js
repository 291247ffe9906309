import { runToolchain } from "../toolchain.js";
const HELP = `Converters (each checks ONNX Runtime parity against PyTorch before writing; docs/convert.md):
  monai         a bare MONAI SwinUNETR state_dict
  monai-bundle  a MONAI bundle directory (network_def, inference transforms, inferer, metadata labels)
  gcis          a gCIS pathway checkpoint, or released per-task params.pth files
  clnet         a clNet results directory with its training config
  nnunet        nnU-Net v2 trainer directories (folds, mirroring, dataset.json labels)

Needs Debian's Python with torch and onnx (apt-get install python3-torch python3-onnx python3-numpy);
UNISEG_PYTHON names another interpreter.

Examples:
  $ uniseg convert monai-bundle wholeBody_ct_segmentation -o wholebody
  $ uniseg convert monai-bundle --help`;
export function registerConvert(program) {
    program
        .command('convert')
        .description('convert a foreign checkpoint (monai, monai-bundle, gcis, clnet, nnunet) into a model package')
        .argument('[kind]', 'source system')
        .argument('[args...]', 'sources and options for that converter, e.g. SRC -o DIR')
        .allowUnknownOption()
        .helpOption(false)
        .usage('<kind> SRC... -o DIR [options]')
        .action(async (kind, args, _flags, command) => {
        if (kind === undefined || kind === '-h' || kind === '--help') {
            process.stdout.write(`${command.helpInformation()}\n${HELP}\n`);
            return;
        }
        await runToolchain(['convert', kind, ...args]);
    });
}
