// YAML parsing with the `yaml` package loaded on first use: importing it costs ~50 ms, and most
// runs read no YAML at all (AIC's files come from the perf-model cache once parsed).
import { createRequire } from 'node:module';

type YamlParse = typeof import('yaml').parse;
let yamlParse: YamlParse | undefined;

/** `yaml.parse(text, { version })`; throws what the package throws. */
export function parseYamlText(text: string, version: '1.1' | '1.2'): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
  return yamlParse(text, { version });
}
