/**
 * One layout for every node folder, like n8n's own nodes: the editor's fields in `descriptions/`
 * (one file per operation or group, `properties.ts` when one file holds them all), the execution in
 * `actions/` or beside the node file, and no `index.ts` barrels that hide which file holds what.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const nodesFolder = resolve(__dirname, '../../nodes');

function filesUnder(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

const nodeFolders = readdirSync(nodesFolder).filter(
	(name) => name !== 'helpers' && statSync(join(nodesFolder, name)).isDirectory(),
);

describe('node folder layout', () => {
	it('finds the five nodes', () => {
		expect(nodeFolders).toHaveLength(5);
	});

	it.each(nodeFolders)('%s keeps its fields in descriptions/', (node) => {
		expect(statSync(join(nodesFolder, node, 'descriptions')).isDirectory()).toBe(true);
	});

	it('no description.ts / descriptions.ts files and no index.ts barrels under nodes/', () => {
		const misnamed = filesUnder(nodesFolder)
			.map((path) => relative(nodesFolder, path).split(sep).join('/'))
			.filter((path) => /(^|\/)(descriptions?|index)\.ts$/.test(path));
		expect(misnamed).toEqual([]);
	});
});
