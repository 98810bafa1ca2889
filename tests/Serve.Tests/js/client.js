// An independent gRPC client for the Serve acceptance tests: @grpc/grpc-js with @grpc/proto-loader, loading
// Detserve's own .proto files. Usage: node client.js <host:port> <protos-dir>
// Runs a fixed script against the "simple" test model and prints one JSON object with what it observed;
// the C# test asserts on it. Exit code 0 unless the script itself breaks.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [address, protos] = process.argv.slice(2);
const options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protos] };
const inference = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(protos, 'grpc_service.proto'), options)).inference;
const health = grpc.loadPackageDefinition(protoLoader.loadSync(path.join(protos, 'health.proto'), options)).grpc.health.v1;
const client = new inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
const healthClient = new health.Health(address, grpc.credentials.createInsecure());

function call(target, method, request) {
  return new Promise((resolve) => {
    target[method](request, (error, response) => resolve(error ? { code: error.code, details: error.details } : { response }));
  });
}

function floats(values) {
  return Buffer.from(new Float32Array(values).buffer);
}

function inferRequest(model, a, b, id) {
  return {
    model_name: model,
    id,
    inputs: [
      { name: 'INPUT0', datatype: 'FP32', shape: [1, 4] },
      { name: 'INPUT1', datatype: 'FP32', shape: [1, 4] },
    ],
    raw_input_contents: [floats(a), floats(b)],
  };
}

function outputFloats(response, name) {
  const index = response.outputs.findIndex((o) => o.name === name);
  const raw = response.raw_output_contents[index];
  const values = [];
  for (let offset = 0; offset < raw.length; offset += 4) values.push(raw.readFloatLE(offset));
  return values;
}

function stream(requests) {
  return new Promise((resolve, reject) => {
    const answers = [];
    const call = client.ModelStreamInfer();
    call.on('data', (message) => answers.push({
      id: message.infer_response ? message.infer_response.id : '',
      error: message.error_message,
      output0: message.error_message ? null : outputFloats(message.infer_response, 'OUTPUT0'),
    }));
    call.on('error', reject);
    call.on('end', () => resolve(answers));
    for (const request of requests) call.write(request);
    call.end();
  });
}

async function main() {
  const result = {};
  result.live = (await call(client, 'ServerLive', {})).response.live;
  result.ready = (await call(client, 'ServerReady', {})).response.ready;
  result.serverName = (await call(client, 'ServerMetadata', {})).response.name;
  const metadata = (await call(client, 'ModelMetadata', { name: 'simple' })).response;
  result.inputShape = metadata.inputs[0].shape.map(Number);
  result.maxBatchSize = (await call(client, 'ModelConfig', { name: 'simple' })).response.config.max_batch_size;
  const infer = (await call(client, 'ModelInfer', inferRequest('simple', [1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5], 'node-1'))).response;
  result.inferId = infer.id;
  result.output0 = outputFloats(infer, 'OUTPUT0');
  result.output1 = outputFloats(infer, 'OUTPUT1');
  result.unknownModel = await call(client, 'ModelInfer', inferRequest('missing', [1, 2, 3, 4], [1, 2, 3, 4], 'x'));
  const badShape = inferRequest('simple', [1, 2, 3, 4], [1, 2, 3, 4], 'y');
  badShape.inputs[0].shape = [2, 2];
  result.badShape = await call(client, 'ModelInfer', badShape);
  result.stream = await stream([
    inferRequest('simple', [1, 1, 1, 1], [1, 1, 1, 1], 's1'),
    inferRequest('missing', [1, 1, 1, 1], [1, 1, 1, 1], 's2'),
    inferRequest('simple', [2, 2, 2, 2], [3, 3, 3, 3], 's3'),
  ]);
  const stats = (await call(client, 'ModelStatistics', { name: 'simple' })).response;
  result.successCount = Number(stats.model_stats[0].inference_stats.success.count);
  result.health = (await call(healthClient, 'Check', { service: '' })).response.status;
  process.stdout.write(JSON.stringify(result) + '\n');
  client.close();
  healthClient.close();
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
