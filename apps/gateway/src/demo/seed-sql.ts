/**
 * The demo database: a small shop with FAKE personal data (addresses in the reserved example
 * domains, 555 phone numbers, made-up SSNs in the valid format, the card networks' published test
 * numbers), so masking has something real-looking to hide.
 */
export const DEMO_SEED_SQL = `
CREATE TABLE users (
  id          integer PRIMARY KEY,
  name        text NOT NULL,
  email       text NOT NULL,
  phone       text,
  ssn         text,
  card_number text,
  country     text NOT NULL,
  region      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO users (id, name, email, phone, ssn, card_number, country, region) VALUES
  (1, 'Ana Lima',        'ana.lima@example.com',      '+1 555-0101', '123-45-6789', '4111 1111 1111 1111', 'US', 'us'),
  (2, 'Bo Svensson',     'bo.svensson@example.org',   '+1 555-0102', '234-56-7890', '5555 5555 5555 4444', 'SE', 'eu'),
  (3, 'Chiara Rossi',    'chiara.rossi@example.net',  '+1 555-0103', '345-67-8901', '3782 822463 10005',   'IT', 'eu'),
  (4, 'Dev Patel',       'dev.patel@example.com',     '+1 555-0104', '456-78-9012', '6011 1111 1111 1117', 'IN', 'apac'),
  (5, 'Emeka Okafor',    'emeka.okafor@example.org',  '+1 555-0105', '567-89-0123', '4012 8888 8888 1881', 'NG', 'africa'),
  (6, 'Fatima Zahra',    'fatima.zahra@example.com',  '+1 555-0106', '678-90-1234', '5105 1051 0510 5100', 'MA', 'africa');

CREATE TABLE orders (
  id         integer PRIMARY KEY,
  user_id    integer NOT NULL REFERENCES users (id),
  total      numeric(10, 2) NOT NULL,
  status     text NOT NULL,
  note       text,
  created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO orders (id, user_id, total, status, note) VALUES
  (101, 1, 42.50,  'shipped',   'gift wrap please'),
  (102, 2, 310.00, 'paid',      'customer asked to use card 4111 1111 1111 1111 next time'),
  (103, 3, 18.99,  'refunded',  'refund sent to chiara.rossi@example.net'),
  (104, 1, 99.00,  'paid',      NULL),
  (105, 5, 7.25,   'cancelled', 'called +1 555-0105, SSN on file 567-89-0123');

CREATE TABLE sessions (
  id         integer PRIMARY KEY,
  user_id    integer NOT NULL REFERENCES users (id),
  ip         text NOT NULL,
  expires_at timestamptz NOT NULL
);

INSERT INTO sessions (id, user_id, ip, expires_at) VALUES
  (1, 1, '203.0.113.10', now() + interval '1 day'),
  (2, 2, '198.51.100.7', now() + interval '2 hours'),
  (3, 4, '192.0.2.44',   now() - interval '1 day');
`;
