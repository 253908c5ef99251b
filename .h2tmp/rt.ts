const src = await import('fs').then(f => f.readFileSync('test/saml/xml-prescan.test.ts','utf8'));
