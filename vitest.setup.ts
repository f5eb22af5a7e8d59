// Loaded before every spec file of every package: tsyringe needs the Reflect metadata API.
import 'reflect-metadata';
