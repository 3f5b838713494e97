// Mints a token exactly as Node signaling servers do: jwt.sign({ agentId }, JWT_SECRET, { expiresIn: '1h' }).
// The claims come as JSON in the first argument; the secret from JWT_SECRET, as those servers read it.
import jwt from "jsonwebtoken";

const claims = JSON.parse(process.argv[2]);
process.stdout.write(jwt.sign(claims, process.env.JWT_SECRET, { expiresIn: "1h" }));
