--
-- PostgreSQL database dump
--

\restrict DTezjvcVcrrkFfSJsJ8bOIEpRIKmC7GeNv42jdctyigphd4XX9DarCeft7fLnYF

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.audit (
    at character varying(30),
    client_ip character varying(45),
    actor character varying(200)
);


ALTER TABLE public.audit OWNER TO postgres;

--
-- Name: customers; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.customers (
    id integer NOT NULL,
    full_name character varying(100),
    email character varying(200),
    phone character varying(40),
    notes text,
    balance numeric(10,2),
    created date
);


ALTER TABLE public.customers OWNER TO postgres;

--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: postgres
--

INSERT INTO public.audit (at, client_ip, actor) VALUES ('2019-03-04T10:00:00Z', '203.0.113.9', 'agent@contoso.com');
INSERT INTO public.audit (at, client_ip, actor) VALUES ('2019-03-04T10:05:00Z', '2001:db8::1', 'jane.doe@example.com');


--
-- Data for Name: customers; Type: TABLE DATA; Schema: public; Owner: postgres
--

INSERT INTO public.customers (id, full_name, email, phone, notes, balance, created) VALUES (1, 'Jane Doe', 'jane.doe@example.com', '+44 20 7946 0958', 'Called back, no answer.', 12.50, '2019-03-04');
INSERT INTO public.customers (id, full_name, email, phone, notes, balance, created) VALUES (2, 'Seán O''Brien', 'sean@example.ie', '+353 1 555 0199', 'Said "hi"; then left', NULL, '2018-01-01');
INSERT INTO public.customers (id, full_name, email, phone, notes, balance, created) VALUES (3, 'Back\Slash', 'b.s@example.org', NULL, 'line one
line two	tabbed', -3.00, NULL);
INSERT INTO public.customers (id, full_name, email, phone, notes, balance, created) VALUES (4, 'Zoë Müller', 'zoe@example.de', '030 1234567', 'IBAN DE89 3704 0044 0532 0130 00', 0.00, '2020-12-31');
INSERT INTO public.customers (id, full_name, email, phone, notes, balance, created) VALUES (5, 'Ünïcödé ☃', 'snow@example.com', '', 'semicolon; comma, (parens) ''quote''', 99999.99, '2021-06-30');


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\unrestrict DTezjvcVcrrkFfSJsJ8bOIEpRIKmC7GeNv42jdctyigphd4XX9DarCeft7fLnYF

