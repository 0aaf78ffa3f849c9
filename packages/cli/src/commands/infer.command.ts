// `medgrade infer <studyId> --model NAME [--model NAME2] [--timeout SECONDS]`: submits an
// asynchronous inference and polls it to its end; prints the inference as one JSON line, exit 1
// when it failed.
import { parseArgs } from 'node:util';
import { waitForInference } from '@medgrade/sdk';
import { UsageError, type Command } from '../command.ts';
import { connect } from '../client/credentials.ts';

export const inferCommand: Command = {
  usage: 'medgrade infer <studyId> --model NAME [--model NAME ...] [--timeout SECONDS] [--url GATEWAY_URL]',
  async run(args, { config, stdout }) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { model: { type: 'string', multiple: true }, timeout: { type: 'string' }, url: { type: 'string' } } });
    const [studyId] = positionals;
    if (!studyId || positionals.length !== 1) throw new UsageError('give exactly one study id (from medgrade studies ls)');
    if (!values.model?.length) throw new UsageError('--model is required (a released model name, or name@version)');
    const mg = await connect(config, values.url);
    const { data: submitted } = await mg.inferences.create({ body: { models: values.model, input: { studyId } } });
    const inference = await waitForInference(mg, submitted.id, { timeoutMs: Number(values.timeout ?? 600) * 1000 });
    stdout.write(`${JSON.stringify(inference)}\n`);
    return inference.status === 'succeeded' ? 0 : 1;
  },
};
