import { loadConfigFile } from '../pointvis/io/config-file.js';
import { writeJsonAtomic } from '../pointvis/io/atomic-write.js';
import { officialParameterNames } from '../model/checkpoint/index.js';
for (const v of ['swin-t', 'swin-l']) {
  const cfg = loadConfigFile(`configs/mask2former/${v}.yaml`, ['model.weights=null', 'model.swin.dropPathRate=0']);
  writeJsonAtomic(`/tmp/m2fcfg/${v}.json`, cfg);
  console.log(v, officialParameterNames(cfg.model).reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0));
}
