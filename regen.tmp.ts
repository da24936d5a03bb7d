import { writeFileSync } from 'node:fs';
import { WhatsAppAutomation } from './nodes/WhatsAppAutomation/WhatsAppAutomation.node';
writeFileSync('/work/wt-msgtypes/test/node/fixtures/sendNodeDescription.json', JSON.stringify(JSON.parse(JSON.stringify(new WhatsAppAutomation().description)), null, '\t') + '\n');
