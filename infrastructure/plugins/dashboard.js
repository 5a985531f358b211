'use strict';
// Uploads the dashboard (dashboard/: static files, no build step) to the stack's DashboardBucket after every
// `serverless deploy`, with a config.json that tells it where the HTTP API and the live feed are. It calls AWS
// through the framework's provider, so on the local stage serverless-localstack sends the calls to the emulator
// (where `emailseq local up` then rewrites config.json with the emulator's URLs).
const fs = require('fs');
const path = require('path');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};
// index.html and config.json change with every deploy; the rest is fetched again at most every 5 minutes.
const cacheControl = (key) => (key === 'index.html' || key === 'config.json' ? 'no-cache' : 'max-age=300');

function filesUnder(root, dir = root) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, full) : [path.relative(root, full).split(path.sep).join('/')];
  });
}

class DashboardUpload {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.hooks = { 'after:deploy:deploy': () => this.upload() };
  }

  async outputs() {
    const stackName = this.provider.naming.getStackName();
    const { Stacks } = await this.provider.request('CloudFormation', 'describeStacks', { StackName: stackName });
    return Object.fromEntries((Stacks[0].Outputs || []).map((o) => [o.OutputKey, o.OutputValue]));
  }

  async put(bucket, key, body) {
    const type = TYPES[path.extname(key)] || 'application/octet-stream';
    await this.provider.request('S3', 'putObject', {
      Bucket: bucket, Key: key, Body: body, ContentType: type, CacheControl: cacheControl(key),
    });
  }

  async upload() {
    const outputs = await this.outputs();
    const bucket = outputs.DashboardBucketName;
    if (!bucket) return;
    const root = path.join(this.serverless.serviceDir || this.serverless.config.servicePath, 'dashboard');
    const files = filesUnder(root);
    for (const key of files) await this.put(bucket, key, fs.readFileSync(path.join(root, key)));
    const config = { apiUrl: outputs.HttpApiUrl, liveUrl: outputs.LiveUrl, stage: this.provider.getStage() };
    await this.put(bucket, 'config.json', JSON.stringify(config, null, 2));
    this.serverless.cli.log(`dashboard: ${files.length} files uploaded to ${bucket}; ${outputs.DashboardUrl || ''}`);
  }
}

module.exports = DashboardUpload;
