import { describe, expect, it } from 'vitest';
import { BUILTIN_DETECTORS, builtinDetector, type BuiltinDetectorName } from './builtin.js';
import { createScanner } from './scan.js';

function found(name: BuiltinDetectorName, text: string): string[] {
  const scan = createScanner([builtinDetector(name)]);
  return scan(text).map((m) => text.slice(m.start, m.end));
}

const CASES: Record<BuiltinDetectorName, { positive: [string, string][]; negative: string[] }> = {
  email: {
    positive: [
      ['write to alice@example.com today', 'alice@example.com'],
      ['<bob.smith+tag@mail.example.co.uk>', 'bob.smith+tag@mail.example.co.uk'],
      ["o'hara@example.org.", "o'hara@example.org"],
    ],
    negative: ['lodash@4.17.21', 'user@localhost', '@Component decorator', 'a@b', 'foo@bar.c', 'meet @ 10.30'],
  },
  phone: {
    positive: [
      ['call +1 415-555-2671 now', '+1 415-555-2671'],
      ['office (415) 555-2671', '(415) 555-2671'],
      ['uk +44 20 7946 0958', '+44 20 7946 0958'],
      ['e164 +442079460958.', '+442079460958'],
      ['fr +33 6 12 34 56 78', '+33 6 12 34 56 78'],
    ],
    negative: [
      '4155552671',
      'order 1234567890 shipped',
      '2024-01-05 10:22:33',
      '2024-01-05 10',
      'v1.2.3.4',
      '192.168.100.200',
      '+1 555-0000',
      '123-456',
      '550e8400-e29b-41d4-a716-446655440000',
    ],
  },
  credit_card: {
    positive: [
      ['visa 4111 1111 1111 1111 exp', '4111 1111 1111 1111'],
      ['mc 5555555555554444', '5555555555554444'],
      ['amex 3782-822463-10005', '3782-822463-10005'],
      ['discover 6011111111111117;', '6011111111111117'],
    ],
    negative: [
      '4111 1111 1111 1112',
      '1234567890123456',
      'epoch 1704450153123 ms',
      '4111-1111 1111-1111',
      'id 41111111111111111111111',
      '2024-01-05T10:22:33.123456789Z',
    ],
  },
  iban: {
    positive: [
      ['DE89 3704 0044 0532 0130 00', 'DE89 3704 0044 0532 0130 00'],
      ['pay GB82WEST12345698765432 now', 'GB82WEST12345698765432'],
      ['NL91ABNA0417164300', 'NL91ABNA0417164300'],
    ],
    negative: ['DE89 3704 0044 0532 0130 01', 'GB82WEST12345698765433', 'SKU AB12CDEF34567890', 'ISO 8601 2024'],
  },
  us_ssn: {
    positive: [
      ['ssn 536-22-1234.', '536-22-1234'],
      ['ssn 123 45 6789', '123 45 6789'],
    ],
    negative: ['000-12-3456', '666-12-3456', '912-12-3456', '536-00-1234', '536-22-0000', '078-05-1120', '536-22-1234-9', '2024-01-0505', '536-22 1234'],
  },
  uk_nino: {
    positive: [
      ['NI AB123456C', 'AB123456C'],
      ['NI AB 12 34 56 C.', 'AB 12 34 56 C'],
    ],
    negative: ['QQ123456C', 'GB123456A', 'AB123456E', 'DA123456A', 'AB1234567C', 'XAB123456C'],
  },
  ipv4: {
    positive: [
      ['from 10.0.0.1:5432', '10.0.0.1'],
      ['client=192.168.1.254.', '192.168.1.254'],
    ],
    negative: ['version 1.2.3', '256.1.1.1', '1.2.3.4.5', 'v1.2.3.4', '10.0.0', '2024.01.05'],
  },
  ipv6: {
    positive: [
      ['addr 2001:db8::1 ok', '2001:db8::1'],
      ['[fe80::1ff:fe23:4567:890a]', 'fe80::1ff:fe23:4567:890a'],
      ['full 2001:0db8:85a3:0000:0000:8a2e:0370:7334.', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
      ['mapped ::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ],
    negative: ['at 10:22:33', 'mac 00:1a:2b:3c:4d:5e', 'std::vector', 'a::b::c', 'ratio 1:2:3', 'ERROR: x'],
  },
  aws_access_key: {
    positive: [
      ['key AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
      ['"ASIAY34FZKBOKMUTVV7A"', 'ASIAY34FZKBOKMUTVV7A'],
    ],
    negative: ['AKIAIOSFODNN7EXAMPL', 'AKIAIOSFODNN7EXAMPLE1', 'akiaiosfodnn7example', 'XAKIAIOSFODNN7EXAMPLE'],
  },
  aws_secret_key: {
    positive: [
      ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ],
    negative: [
      'commit da39a3ee5e6b4b0d3255bfef95601890afd80709',
      'token wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX with aws',
      'ordinary AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA secret',
    ],
  },
  github_token: {
    positive: [
      ['ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5', 'ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5'],
      ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
    ],
    negative: ['ghp_short', 'ghx_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5', 'high_throughput_mode'],
  },
  gitlab_token: {
    positive: [['glpat-xYz12AbC34dEf56GhI78', 'glpat-xYz12AbC34dEf56GhI78']],
    negative: ['glpat-short', 'glpat_xYz12AbC34dEf56GhI78'],
  },
  slack_token: {
    positive: [['xoxb-123456789012-1234567890123-AbCdEfGhIjKl', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKl']],
    negative: ['xoxb-abcdefghijkl', 'xoxz-123456789012-1234', 'xoxb-12'],
  },
  stripe_key: {
    positive: [
      ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
      ['rk_test_51H8abcDEFghiJKLmnoPQR', 'rk_test_51H8abcDEFghiJKLmnoPQR'],
    ],
    negative: ['pk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_short', 'task_live_update'],
  },
  google_api_key: {
    positive: [['key=AIzaSyA-1234567890abcdefghijklmnopqrstu&x', 'AIzaSyA-1234567890abcdefghijklmnopqrstu']],
    negative: ['AIzaSyA-123', 'AIzaSyA-1234567890abcdefghijklmnopqrstuvw'],
  },
  jwt: {
    positive: [
      [
        'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      ],
    ],
    negative: ['eyJhbGciOiJIUzI1NiJ9', 'eyJub3RoaW5nIjoxfQ.eyJzdWIiOiIxIn0.sig', 'eyJ.eyJ.x', 'keyJam.eyJfoo.bar'],
  },
  private_key: {
    positive: [
      [
        'x -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- y',
        '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      ],
      ['-----BEGIN PRIVATE KEY-----\nMIIE (truncated', '-----BEGIN PRIVATE KEY-----\nMIIE (truncated'],
    ],
    negative: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', '-----BEGIN PUBLIC KEY-----'],
  },
  url_password: {
    positive: [
      ['postgres://alice:s3cr3t@db.internal:5432/app', 's3cr3t'],
      ['mongodb+srv://svc:p@ss:w0rd@cluster0.example.net/db', 'p@ss:w0rd'],
      ['Server=db;User Id=sa;Password=Hunter2!;Encrypt=true', 'Hunter2!'],
      ['jdbc:mysql://db/app?user=u&password=abc123&ssl=true', 'abc123'],
      ['Driver={ODBC};PWD={we;ird};UID=x', '{we;ird}'],
      ['{"user": "a", "password": "hunter2"}', 'hunter2'],
    ],
    negative: ['https://example.com/path?q=1', 'postgres://alice@db/app', 'PWD=/home/alice', 'Password: reset link sent', 'mailto:user@example.com'],
  },
  high_entropy: {
    positive: [['token=Zx8Qp2Lm9Vt4Rk7Wn3Ys6Hd1Jf5Gb0Ca', 'Zx8Qp2Lm9Vt4Rk7Wn3Ys6Hd1Jf5Gb0Ca']],
    negative: ['550e8400-e29b-41d4-a716-446655440000', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 'internationalization_configuration'],
  },
};

describe('built-in detectors', () => {
  it('are exactly the documented names', () => {
    expect([...BUILTIN_DETECTORS].sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const name of BUILTIN_DETECTORS) {
    describe(name, () => {
      for (const [text, expected] of CASES[name].positive) {
        it(`finds ${JSON.stringify(expected)} in ${JSON.stringify(text.slice(0, 60))}`, () => {
          expect(found(name, text)).toEqual([expected]);
        });
      }
      for (const text of CASES[name].negative) {
        it(`ignores ${JSON.stringify(text.slice(0, 60))}`, () => {
          expect(found(name, text)).toEqual([]);
        });
      }
    });
  }

  it('only high_entropy is opt-in', () => {
    expect(BUILTIN_DETECTORS.filter((n) => builtinDetector(n).optIn)).toEqual(['high_entropy']);
  });
});
