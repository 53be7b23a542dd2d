// The job summary of a run stopped while its inputs were checked: which way it stopped, and every
// problem as a bullet, escaped (problems quote what the user and AWS wrote).
import { renderRefusal } from '../../src/report/refusal.js';

describe('renderRefusal', () => {
  it('lists every refused input, escaping what they quote', () => {
    const text = renderRefusal('refused', [
      'Input "alias": "2024" is not a valid alias name.',
      'Input "alarms": 1 alarm(s) not found: "<img src=x>" (did you mean "@mona"?)',
    ]);
    expect(text.split('\n')).toEqual([
      '## Serverless Canary: Inputs refused',
      '',
      '2 problems were found, so the release did not start and nothing was changed:',
      '',
      '- Input &quot;alias&quot;: &quot;2024&quot; is not a valid alias name\\.',
      '- Input &quot;alarms&quot;: 1 alarm\\(s\\) not found: &quot;&lt;img src=x&gt;&quot; \\(did you mean &quot;@\u200bmona&quot;?\\)',
      '',
    ]);
  });

  it('says when the inputs could not be checked, or the job was cancelled', () => {
    expect(renderRefusal('failed', ['Could not read version 3']).split('\n').slice(0, 3)).toEqual([
      '## Serverless Canary: Failed before any change',
      '',
      'The inputs could not be checked against AWS, so the release did not start and nothing was changed:',
    ]);
    expect(renderRefusal('cancelled', ['cancelled by SIGTERM'])).toContain(
      '## Serverless Canary: Cancelled before any change',
    );
    expect(renderRefusal('refused', ['one'])).toContain('One problem was found, so');
    // Counted as problems, not inputs: credentials are no input.
    expect(renderRefusal('refused', ['Input "alias": x', 'The credentials expire in 5m'])).toContain(
      '2 problems were found, so',
    );
  });

  it('a cancellation after problems were found keeps them, after the cancellation', () => {
    const text = renderRefusal('cancelled', ['cancelled by SIGTERM before any change', 'Input "alias": x']);
    expect(text).toContain(
      'The job was cancelled while the inputs were checked, and one problem was found before it; nothing was changed:',
    );
    expect(text).toContain('- cancelled by SIGTERM before any change\n- Input &quot;alias&quot;: x');
  });
});
