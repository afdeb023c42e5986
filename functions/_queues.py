"""The storage queues the function app uses (names shared by triggers and outputs)."""

#: The app setting naming the storage account of the queues (the Functions default).
QUEUE_CONNECTION = "AzureWebJobsStorage"
#: Invoice batches to run (message: the batch id); written by the batch endpoints and
#: the hourly timer, read by the ``run_invoice_batch`` function.
BATCH_QUEUE = "invoice-batches"
#: Where the host moves a batch message that failed every delivery.
POISON_QUEUE = f"{BATCH_QUEUE}-poison"
