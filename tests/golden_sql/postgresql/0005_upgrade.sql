BEGIN;

SET LOCAL lock_timeout = '5s';

SET LOCAL statement_timeout = '60s';

-- Running upgrade 0004 -> 0005

CREATE TABLE "order" (
    id SERIAL NOT NULL,
    customer_id INTEGER NOT NULL,
    CONSTRAINT pk_order PRIMARY KEY (id),
    CONSTRAINT fk_order_customer_id_user_account FOREIGN KEY(customer_id) REFERENCES user_account (id)
);

CREATE TABLE item (
    id SERIAL NOT NULL,
    order_id INTEGER NOT NULL,
    description VARCHAR(100) NOT NULL,
    quantity INTEGER NOT NULL,
    CONSTRAINT pk_item PRIMARY KEY (id),
    CONSTRAINT fk_item_order_id_order FOREIGN KEY(order_id) REFERENCES "order" (id)
);

UPDATE alembic_version SET version_num='0005' WHERE alembic_version.version_num = '0004';

COMMIT;
