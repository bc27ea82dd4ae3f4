mod client_config;
mod collect;
mod logins;
mod register;
mod render;
mod schema;
mod world;
