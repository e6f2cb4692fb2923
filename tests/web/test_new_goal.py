"""A new goal with a live SMART assessment, and templates to start from."""

from __future__ import annotations

from selenium.webdriver.common.by import By


def verdict(page, criterion: str) -> str:
    return page.driver.execute_script(
        "const li = document.querySelector(`[data-criterion=${arguments[0]}]`);"
        "return li ? li.textContent.replace(/\\s+/g, ' ').trim() : '';", criterion)


def set_date(page, field_id: str, value: str) -> None:
    page.driver.execute_script(
        "const el = document.getElementById(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('input', {bubbles: true}));", field_id, value)


def test_the_smart_hints_update_while_the_person_types(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead).open("/goals/new")

    page.fill("f-title", "Improve things")
    page.wait_for(lambda d: "Specific: not yet" in verdict(page, "specific"))
    assert "Measurable: not yet" in verdict(page, "measurable")
    assert len(verdict(page, "specific")) > len("✗ Specific: not yet")  # a hint follows

    page.fill("f-title", "Ship the billing export to 3 paying customers")
    page.fill("f-metric_unit", "customers")
    page.fill("f-metric_start", "0")
    page.fill("f-metric_target", "3")
    set_date(page, "f-due_date", "2099-06-30")
    page.wait_for(lambda d: "Measurable: yes" in verdict(page, "measurable"))
    page.wait_for(lambda d: "Time-bound: yes" in verdict(page, "time_bound"))
    assert page.serious_accessibility_violations() == []

    page.driver.find_element(By.CSS_SELECTOR, "#new-goal button[type=submit]").click()
    page.wait_for(lambda d: "/goals/new" not in d.current_url)
    assert "Ship the billing export to 3 paying customers" in page.text("h1")


def test_a_team_that_requires_smart_goals_refuses_a_vague_one_with_the_hints(stack, page):
    team = stack.new_team(require_smart=True)
    page.sign_in(team.lead).open("/goals/new")

    page.fill("f-title", "Be better")
    set_date(page, "f-due_date", "2099-06-30")
    page.driver.find_element(By.CSS_SELECTOR, "#new-goal button[type=submit]").click()

    page.wait_for(lambda d: d.find_elements(By.CSS_SELECTOR, ".error"))
    assert "/goals/new" in page.driver.current_url
    assert "Specific: not yet" in verdict(page, "specific")


def test_a_template_starts_a_draft_goal(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead).open("/goals/new")

    template = page.driver.find_element(
        By.XPATH, "//details[summary[contains(., 'informational')]]")
    template.find_element(By.TAG_NAME, "summary").click()
    template.find_element(By.CSS_SELECTOR, "input[name=n]").send_keys("4")
    template.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    page.wait_for(lambda d: "/goals/new" not in d.current_url)
    assert "informational interviews" in page.text("h1").lower()
    assert "Status: Draft" in page.text("main")
