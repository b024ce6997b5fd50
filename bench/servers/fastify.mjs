// Fastify 5 with one hello route and no plugins: what the framework itself costs next to bare node:http.
import Fastify from 'fastify';

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
app.get('/', async () => 'ok');
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`fastify listening on http://127.0.0.1:${app.server.address().port}`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
