"""settle: a callback's answer, whether the callback was a plain function or a coroutine function."""
import asyncio

from openbay.sdk.callbacks import settle


def test_a_plain_answer_is_taken_as_it_is_and_a_coroutine_is_awaited():
    async def shout(text):
        await asyncio.sleep(0)
        return text.upper()

    async def main():
        future = asyncio.get_running_loop().create_future()
        future.set_result(3)
        return [await settle("as is"), await settle(None), await settle(shout("awaited")), await settle(future)]

    assert asyncio.run(main()) == ["as is", None, "AWAITED", 3]
